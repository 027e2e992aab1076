// Public measurements the efficiency factors are fitted to and the tests compare against (../shared/reference).

/** llama.cpp, one stream, Llama-3-8B, tg1024 tok/s (XiongjieDai/GPU-Benchmarks-on-LLM-Inference, May 2024). */
export interface LlamacppDecodeRow {
  readonly gpu: string;
  readonly q4km: number;
  readonly f16: number;
  /** Llama-3-70B Q4_K_M, on `gpus70b` GPUs (layer split). */
  readonly q4km70b: number;
  readonly gpus70b: number;
}

export const LLAMACPP_DECODE: readonly LlamacppDecodeRow[] = [
  { gpu: 'rtx-3090', q4km: 111.74, f16: 46.51, q4km70b: 16.29, gpus70b: 2 },
  { gpu: 'rtx-4090', q4km: 127.74, f16: 54.34, q4km70b: 19.06, gpus70b: 2 },
  { gpu: 'l40s', q4km: 113.6, f16: 43.42, q4km70b: 15.31, gpus70b: 1 },
  { gpu: 'a100-80g', q4km: 133.38, f16: 53.18, q4km70b: 24.33, gpus70b: 1 },
  { gpu: 'h100-pcie', q4km: 144.49, f16: 67.79, q4km70b: 25.01, gpus70b: 1 },
  { gpu: 'm2-ultra', q4km: 76.28, f16: 36.25, q4km70b: 12.13, gpus70b: 1 },
];

/** tg1024 generates 1024 tokens from an empty context: the KV read averages 512 tokens. */
export const LLAMACPP_TG_AVG_CONTEXT = 512;

/** llama.cpp prompt processing pp1024 tok/s, Llama-3-8B (same source; quantization taken as Q4_K_M). */
export const LLAMACPP_PREFILL: readonly { readonly gpu: string; readonly tokPerSec: number }[] = [
  { gpu: 'rtx-3090', tokPerSec: 3865 },
  { gpu: 'rtx-4090', tokPerSec: 6899 },
  { gpu: 'h100-pcie', tokPerSec: 7760 },
];

/** vLLM's own memory accounting (vLLM issue #10517): RTX 3090, Llama-3.1-8B bf16, max_model_len 20,000, util 0.9. */
export const VLLM_MEMORY_EXAMPLE = {
  gpu: 'rtx-3090',
  model: 'llama-3.1-8b',
  quant: 'bf16',
  maxModelLen: 20000,
  gpuMemoryUtilization: 0.9,
  weightsGiB: 14.99,
  peakTorchGiB: 17.06,
  nonTorchGiB: 0.35,
  kvCacheGiB: 3.81,
  blocks: 1952,
} as const;
