// Memory arithmetic: weights, KV cache (GQA-aware, sliding windows capped), activations, engine reserves.
import type { Gpu } from '../catalog/gpus.js';
import type { ModelArch } from '../catalog/models.js';
import type { Quant } from '../catalog/quants.js';

export const GiB = 1024 ** 3;
/** Share of an NVIDIA card's memory that CUDA reports as total (an RTX 3090 "24 GB" shows 23.58 GiB in vLLM's log). */
const CUDA_VISIBLE_SHARE = 23.58 / 24;
/** vLLM's non-torch memory (CUDA context, NCCL buffers) in the reference log: 0.35 GiB; NCCL adds more under TP. */
const NON_TORCH_BYTES = 0.35 * GiB;
const NON_TORCH_TP_EXTRA_BYTES = 0.5 * GiB;
/** llama.cpp: CUDA/Metal context and scratch per device. */
const LLAMACPP_DEVICE_RESERVE_BYTES = 0.3 * GiB;

/** Bytes one GPU makes available to the process (what vLLM multiplies by gpu_memory_utilization). */
export function gpuTotalBytes(gpu: Gpu): number {
  const share = gpu.interconnect === 'unified' ? gpu.usableShare : CUDA_VISIBLE_SHARE;
  return gpu.memoryGiB * GiB * share;
}

/** Parameters of the input embedding and of the output head (0 when tied to the embedding). */
export function embeddingParams(model: ModelArch): { input: number; head: number } {
  const table = model.vocab * model.hidden;
  return { input: table, head: model.tiedEmbeddings ? 0 : table };
}

/** Stored weight bytes at the quantization's real bits per weight. */
export function weightsBytes(model: ModelArch, quant: Quant): number {
  if (quant.embeddingBits === undefined) return (model.params * quant.bitsPerWeight) / 8;
  const emb = embeddingParams(model);
  const embParams = emb.input + emb.head;
  return ((model.params - embParams) * quant.bitsPerWeight + embParams * quant.embeddingBits) / 8;
}

/** Expert parameters of a MoE model, derived from total and active counts. */
function expertParams(model: ModelArch): number {
  const e = model.experts ?? 0;
  const k = model.expertsPerToken ?? 0;
  if (e <= 1 || k <= 0 || k >= e) return 0;
  return (model.params - model.activeParams) / (1 - k / e);
}

/**
 * Weight bytes read by one engine step over `tokens` tokens: everything but the input embedding
 * (only its rows are gathered), and for MoE only the experts the batch routes to (expected distinct count).
 */
export function weightsReadBytes(model: ModelArch, quant: Quant, tokens: number): number {
  const total = weightsBytes(model, quant);
  const bytesPerParam = total / model.params;
  const emb = embeddingParams(model);
  const inputOnly = model.tiedEmbeddings ? 0 : emb.input;
  const experts = expertParams(model);
  let unread = inputOnly;
  if (experts > 0) {
    const e = model.experts ?? 1;
    const k = model.expertsPerToken ?? 1;
    const touchedShare = 1 - (1 - k / e) ** Math.max(1, tokens);
    unread += experts * (1 - touchedShare);
  }
  return total - unread * bytesPerParam;
}

/** KV cache bytes per token over all layers: 2 (K and V) × layers × kv_heads × head_dim × bytes. */
export function kvBytesPerToken(model: ModelArch, kvElementBytes = 2): number {
  return 2 * model.layers * model.kvHeads * model.headDim * kvElementBytes;
}

/** KV bytes of one sequence of `tokens` tokens, sliding-window layers capped at their window. */
export function kvBytesForContext(model: ModelArch, tokens: number, kvElementBytes = 2): number {
  const perLayer = 2 * model.kvHeads * model.headDim * kvElementBytes;
  const sliding = model.slidingWindow === undefined ? 0 : (model.slidingLayers ?? 0);
  const full = model.layers - sliding;
  return perLayer * (full * tokens + sliding * Math.min(tokens, model.slidingWindow ?? tokens));
}

/** FFN width a token passes through (top-k experts for MoE). */
function ffnPerToken(model: ModelArch): number {
  return model.ffn * (model.expertsPerToken ?? 1);
}

/**
 * Peak activation memory of vLLM's profiling run, per GPU: for each batched token the MLP's gate/up output and
 * activated product (3 × ffn) and two hidden-size buffers at 2 bytes, plus fp32 logits for each sequence.
 * Fitted to the reference log (RTX 3090, Llama-3.1-8B, 20,000 batched tokens: peak 17.06 − weights 14.99 GiB).
 */
export function activationPeakBytes(model: ModelArch, batchedTokens: number, maxNumSeqs: number, tp = 1): number {
  const perToken = ((3 * ffnPerToken(model)) / tp + 2 * model.hidden) * 2;
  const logits = (maxNumSeqs * model.vocab * 4) / tp;
  return batchedTokens * perToken + logits;
}

export interface VllmMemoryInput {
  readonly gpu: Gpu;
  readonly model: ModelArch;
  readonly quant: Quant;
  readonly tp: number;
  readonly gpuMemoryUtilization: number;
  readonly maxBatchedTokens: number;
  readonly maxNumSeqs: number;
  readonly blockSize: number;
  readonly kvElementBytes?: number;
}

export interface VllmMemory {
  /** All figures per GPU, in bytes. */
  readonly totalBytes: number;
  readonly budgetBytes: number;
  readonly weightsBytes: number;
  readonly activationBytes: number;
  readonly nonTorchBytes: number;
  readonly kvCacheBytes: number;
  /** KV bytes per token on one GPU (KV heads split across TP, replicated when fewer heads than GPUs). */
  readonly kvBytesPerTokenPerGpu: number;
  readonly blocks: number;
}

/** vLLM's accounting: KV cache = total × utilisation − (weights + activation peak) − non-torch memory. */
export function vllmMemory(i: VllmMemoryInput): VllmMemory {
  const totalBytes = gpuTotalBytes(i.gpu);
  const budgetBytes = totalBytes * i.gpuMemoryUtilization;
  const weights = weightsBytes(i.model, i.quant) / i.tp;
  const activationBytes = activationPeakBytes(i.model, i.maxBatchedTokens, i.maxNumSeqs, i.tp);
  const nonTorchBytes = NON_TORCH_BYTES + (i.tp > 1 ? NON_TORCH_TP_EXTRA_BYTES : 0);
  const kvCacheBytes = budgetBytes - weights - activationBytes - nonTorchBytes;
  const headsPerGpu = Math.ceil(i.model.kvHeads / i.tp);
  const kvBytesPerTokenPerGpu = 2 * i.model.layers * headsPerGpu * i.model.headDim * (i.kvElementBytes ?? 2);
  const blocks = Math.max(0, Math.floor(kvCacheBytes / (kvBytesPerTokenPerGpu * i.blockSize)));
  return { totalBytes, budgetBytes, weightsBytes: weights, activationBytes, nonTorchBytes, kvCacheBytes, kvBytesPerTokenPerGpu, blocks };
}

export interface LlamacppMemoryInput {
  readonly gpu: Gpu;
  readonly model: ModelArch;
  readonly quant: Quant;
  readonly gpus: number;
  /** Total context (n_ctx), shared by all parallel slots. */
  readonly nCtx: number;
  readonly ubatch?: number;
  readonly kvElementBytes?: number;
}

export interface LlamacppMemory {
  /** Totals over all GPUs (layers are split across them), in bytes. */
  readonly availableBytes: number;
  readonly weightsBytes: number;
  readonly kvCacheBytes: number;
  readonly computeBufferBytes: number;
  readonly reserveBytes: number;
  readonly requiredBytes: number;
  readonly fits: boolean;
}

/** llama.cpp allocates KV for all of n_ctx up front (f16 by default) plus a compute buffer sized by the micro-batch. */
export function llamacppMemory(i: LlamacppMemoryInput): LlamacppMemory {
  const ubatch = i.ubatch ?? 512;
  const weights = weightsBytes(i.model, i.quant);
  const kvCacheBytes = kvBytesForContext(i.model, i.nCtx, i.kvElementBytes ?? 2);
  // Logits for a micro-batch in fp32 plus FFN scratch; about 0.3–1 GiB for 8B–70B models.
  const computeBufferBytes = ubatch * (i.model.vocab * 4 + ffnPerToken(i.model) * 4 * 2);
  const reserveBytes = LLAMACPP_DEVICE_RESERVE_BYTES * i.gpus;
  const availableBytes = gpuTotalBytes(i.gpu) * i.gpus;
  const requiredBytes = weights + kvCacheBytes + computeBufferBytes + reserveBytes;
  return { availableBytes, weightsBytes: weights, kvCacheBytes, computeBufferBytes, reserveBytes, requiredBytes, fits: requiredBytes <= availableBytes };
}
