// Time of one engine step: max(memory time, compute time) plus fixed overheads and tensor-parallel communication.
import type { Gpu } from '../catalog/gpus.js';
import type { ModelArch } from '../catalog/models.js';
import type { Quant } from '../catalog/quants.js';
import type { Efficiency } from './efficiency.js';
import { kvBytesPerToken, weightsReadBytes } from './memory.js';
import type { EngineKind, StepWork } from './types.js';

export interface StepParts {
  readonly gpu: Gpu;
  readonly model: ModelArch;
  readonly quant: Quant;
  readonly engine: EngineKind;
  readonly gpus: number;
  readonly efficiency: Efficiency;
  readonly kvElementBytes?: number;
}

/** Peak dense TFLOPS for the quantization's compute type (falls back to fp16 when the GPU lacks the type). */
export function peakTflops(gpu: Gpu, quant: Quant): number {
  const t = gpu.tflops;
  if (quant.compute === 'fp8') return t.fp8 ?? t.bf16 ?? t.fp16;
  if (quant.compute === 'int8') return t.int8 ?? t.bf16 ?? t.fp16;
  return t.bf16 ?? t.fp16;
}

/** Query-key pairs attended in a step; sliding-window layers see at most their window. */
function attentionPairs(model: ModelArch, w: StepWork): number {
  const seqs = Math.max(1, w.prefillSeqs ?? 1);
  const n = w.prefillTokens;
  // k equal sequences of n/k new tokens over c/k cached tokens: Σ = (n·c + n²/2) / k.
  const prefill = (n * w.prefillContextTokens + (n * n) / 2) / seqs;
  const decode = w.decodeContextTokens;
  const window = model.slidingWindow;
  if (window === undefined) return prefill * model.layers + decode * model.layers;
  const sliding = model.slidingLayers ?? 0;
  const avgDecodeCtx = w.decodeSeqs > 0 ? decode / w.decodeSeqs : 0;
  const cappedDecode = w.decodeSeqs * Math.min(avgDecodeCtx, window);
  const cappedPrefill = Math.min(prefill, n * window);
  return (model.layers - sliding) * (prefill + decode) + sliding * (cappedPrefill + cappedDecode);
}

/** Bytes one step reads: weights (experts actually routed to) and the KV of every token attended or written. */
export function stepBytes(p: StepParts, w: StepWork): number {
  const tokens = w.prefillTokens + w.decodeSeqs;
  const kvPerToken = kvBytesPerToken(p.model, p.kvElementBytes ?? 2);
  const kvTokens = w.decodeContextTokens + w.prefillContextTokens + tokens;
  return weightsReadBytes(p.model, p.quant, tokens) + kvPerToken * kvTokens;
}

/** FLOPs of a step: 2 × active params per token, plus attention (QKᵀ and AV: 4 × heads × head_dim per pair per layer). */
export function stepFlops(model: ModelArch, w: StepWork): number {
  const tokens = w.prefillTokens + w.decodeSeqs;
  return 2 * model.activeParams * tokens + 4 * model.heads * model.headDim * attentionPairs(model, w);
}

/** Per-step latency of tensor-parallel all-reduces (two per layer) by interconnect. */
const ALLREDUCE = {
  nvlink: { latencySec: 8e-6, bytesPerSec: 300e9 },
  pcie: { latencySec: 20e-6, bytesPerSec: 20e9 },
  unified: { latencySec: 0, bytesPerSec: Infinity },
} as const;
/** llama.cpp's default layer split runs GPUs one after the other; each hand-off costs a little. */
const LAYER_SPLIT_HOP_SEC = 0.2e-3;

export function stepSeconds(p: StepParts, w: StepWork): number {
  const tokens = w.prefillTokens + w.decodeSeqs;
  if (tokens <= 0) return 0;
  const e = p.efficiency;
  const tensorParallel = p.engine !== 'llamacpp';
  const parallel = tensorParallel ? p.gpus : 1;
  const memSec = stepBytes(p, w) / parallel / (p.gpu.bandwidthGBs * 1e9 * e.bandwidth);
  const computeSec = stepFlops(p.model, w) / parallel / (peakTflops(p.gpu, p.quant) * 1e12 * e.compute);
  let commSec = 0;
  if (p.gpus > 1) {
    if (tensorParallel) {
      const link = ALLREDUCE[p.gpu.interconnect];
      commSec = 2 * p.model.layers * (link.latencySec + (tokens * p.model.hidden * 2) / link.bytesPerSec);
    } else {
      commSec = (p.gpus - 1) * LAYER_SPLIT_HOP_SEC;
    }
  }
  return e.stepOverheadSec + p.model.layers * e.layerOverheadSec + Math.max(memSec, computeSec) + commSec;
}
