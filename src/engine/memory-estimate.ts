// Memory a model needs before we load it, from its GGUF header alone: weights + KV cache for
// context × parallel sequences (f16 cache, as llama.cpp allocates it) + compute buffers.
import { freemem } from 'node:os';
import { formatBytes, type ModelInfo } from './model-info.js';

export interface MemoryEstimate {
  readonly weights: number;
  readonly kvCache: number;
  /** Compute buffers, logits and runtime bookkeeping. */
  readonly overhead: number;
  readonly total: number;
  readonly context: number;
  readonly parallel: number;
}

const KV_BYTES_PER_ELEMENT = 2; // f16 cache
const BATCH = 512;
const FIXED_OVERHEAD = 32 * 1024 * 1024;

export function estimateMemory(info: ModelInfo, context: number, parallel: number): MemoryEstimate {
  const layers = info.layers ?? 0;
  const kvHeads = info.kvHeads ?? 0;
  const cells = context * parallel;
  const kvCache = layers * cells * kvHeads * ((info.keyLength ?? 0) + (info.valueLength ?? 0)) * KV_BYTES_PER_ELEMENT;
  // Logits for a batch, plus activations of one batch through the widest layer.
  const vocab = info.vocabSize ?? 0;
  const width = Math.max(info.embeddingLength ?? 0, info.feedForwardLength ?? 0);
  const compute = BATCH * vocab * 4 + BATCH * width * 4 * 6;
  const overhead = FIXED_OVERHEAD + compute;
  return { weights: info.weightsBytes, kvCache, overhead, total: info.weightsBytes + kvCache + overhead, context, parallel };
}

/** Memory available to new allocations: the smaller of the OS figure and the cgroup limit headroom. */
export function availableMemory(): number {
  const free = freemem();
  const limit = process.constrainedMemory?.() ?? 0;
  if (limit > 0 && limit < Number.MAX_SAFE_INTEGER) {
    return Math.min(free, Math.max(0, limit - process.memoryUsage.rss()));
  }
  return free;
}

export function describeEstimate(e: MemoryEstimate): string {
  return `${formatBytes(e.total)} (weights ${formatBytes(e.weights)} + KV cache ${formatBytes(e.kvCache)} for ${e.context} tokens × ${e.parallel} sequences + overhead ${formatBytes(e.overhead)})`;
}
