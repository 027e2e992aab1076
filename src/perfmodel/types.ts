// The contract between the performance model and its two users: the simulator (sim) and the planner (plan).
// One implementation lives in src/perfmodel; sim and plan never compute step times themselves.

export type EngineKind = 'vllm' | 'sglang' | 'llamacpp' | 'tgi';

export interface ReplicaSpec {
  /** Catalog GPU id, e.g. 'a100-80g'. */
  readonly gpu: string;
  /** Tensor-parallel degree (GPUs per replica). */
  readonly gpus: number;
  /** Catalog model id, e.g. 'llama-3.1-8b'. */
  readonly model: string;
  /** Catalog quantization id, e.g. 'bf16', 'fp8', 'awq-int4', 'q4_k_m'. */
  readonly quant: string;
  readonly engine: EngineKind;
  /** vLLM gpu_memory_utilization (default 0.9). */
  readonly gpuMemoryUtilization?: number;
  /** Max sequences running at once (vLLM max_num_seqs, llama.cpp parallel slots). */
  readonly maxNumSeqs?: number;
  /** Token budget per step (vLLM max_num_batched_tokens; chunked prefill). */
  readonly maxBatchedTokens?: number;
  /** Context length the engine is started with (vLLM max_model_len, llama.cpp n_ctx). */
  readonly maxModelLen?: number;
  /**
   * Chunked prefill (vLLM ≥ 0.6 V1, SGLang, TGI: on): prompts go through in chunks beside the running decodes.
   * Off (vLLM V0's default before 0.6): a prompt runs in a step of its own and every running request waits for it.
   */
  readonly chunkedPrefill?: boolean;
  /** Catalog host id the GPUs sit in (sets the PCIe link of tensor parallelism; default: each card x16, one root). */
  readonly host?: string;
}

/** The work of one engine step (continuous batching with chunked prefill). */
export interface StepWork {
  /** New prompt tokens computed in this step (uncached). */
  readonly prefillTokens: number;
  /** Context tokens already present for the sequences being prefilled (attention cost). */
  readonly prefillContextTokens: number;
  /** Sequences producing one token each in this step. */
  readonly decodeSeqs: number;
  /** Sum of the context lengths of the decoding sequences (KV read per step). */
  readonly decodeContextTokens: number;
  /** Sequences being prefilled in this step (default 1); spreads prefill attention across them. */
  readonly prefillSeqs?: number;
}

export interface ReplicaModel {
  readonly spec: ReplicaSpec;
  /** KV cache capacity in blocks of blockSize tokens (vLLM's num_gpu_blocks). */
  readonly kvBlocks: number;
  readonly blockSize: number;
  readonly kvBytesPerToken: number;
  readonly weightsBytes: number;
  readonly maxNumSeqs: number;
  readonly maxBatchedTokens: number;
  readonly maxModelLen: number;
  /** Prompts are chunked beside decodes (default); false runs each prompt in a prefill-only step. */
  readonly chunkedPrefill?: boolean;
  /** Wall-clock seconds of one engine step doing this work. */
  stepSeconds(work: StepWork): number;
}
