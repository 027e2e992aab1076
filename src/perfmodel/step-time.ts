// Time of one engine step, as a sum of named terms (see docs/perfmodel.md): fixed overheads, per-sequence CPU
// work, the linear layers (weights streamed once, or compute once the batch passes the ridge point), attention
// over the KV of every sequence in the step (its own kernels, memory-bound in decode), and tensor-parallel
// all-reduces over the GPUs' link.
import type { Gpu } from '../catalog/gpus.js';
import type { ModelArch } from '../catalog/models.js';
import type { Quant } from '../catalog/quants.js';
import type { Efficiency } from './efficiency.js';
import { linkFor, tensorParallelSeconds, type Link } from './interconnect.js';
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
  /** The tensor-parallel link (default: the GPU's own, each card x16 in one root). */
  readonly link?: Link;
}

/** The terms of one step, in seconds; their sum is the step time. */
export interface StepTerms {
  /** Per-step and per-layer fixed costs (scheduling, kernel launches). */
  readonly fixedSec: number;
  /** CPU work per sequence in the step (scheduling, input preparation, sampling, detokenising). */
  readonly perSeqSec: number;
  /** Linear layers: weights read once per step, or their FLOPs once the step's tokens pass the ridge point. */
  readonly linearSec: number;
  readonly linearMemorySec: number;
  readonly linearComputeSec: number;
  /** Attention over the KV of every sequence in the step (grows with batch × context). */
  readonly attentionSec: number;
  readonly attentionMemorySec: number;
  readonly attentionComputeSec: number;
  /** Tensor-parallel all-reduces (or llama.cpp's layer-split hand-offs). */
  readonly commSec: number;
  readonly totalSec: number;
}

/**
 * How sharply a kernel turns from memory-bound to compute-bound: time = (memᵏ + computeᵏ)^(1/k). Near the ridge
 * neither bound is reached (tile quantisation, partial waves), so a step there is slower than max(mem, compute);
 * k = 2 makes it √2 × at the ridge and the plain bound far from it. Engineering choice, checked in docs/perfmodel.md.
 */
export const RIDGE_SHARPNESS = 2;

function roofline(memSec: number, computeSec: number): number {
  const k = RIDGE_SHARPNESS;
  return (memSec ** k + computeSec ** k) ** (1 / k);
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

/** KV bytes a step reads (every attended context token) and writes (its new tokens). */
export function stepKvBytes(p: StepParts, w: StepWork): number {
  const tokens = w.prefillTokens + w.decodeSeqs;
  const kvPerToken = kvBytesPerToken(p.model, p.kvElementBytes ?? 2);
  return kvPerToken * (w.decodeContextTokens + w.prefillContextTokens + tokens);
}

/** Bytes one step reads: weights (experts actually routed to) and the KV of every token attended or written. */
export function stepBytes(p: StepParts, w: StepWork): number {
  return weightsReadBytes(p.model, p.quant, w.prefillTokens + w.decodeSeqs) + stepKvBytes(p, w);
}

/** FLOPs of the linear layers: 2 × active params per token. */
function linearFlops(model: ModelArch, tokens: number): number {
  return 2 * model.activeParams * tokens;
}

/** FLOPs of attention: QKᵀ and AV, 4 × heads × head_dim per query-key pair per layer. */
function attentionFlops(model: ModelArch, w: StepWork): number {
  return 4 * model.heads * model.headDim * attentionPairs(model, w);
}

/** FLOPs of a step: linear layers plus attention. */
export function stepFlops(model: ModelArch, w: StepWork): number {
  return linearFlops(model, w.prefillTokens + w.decodeSeqs) + attentionFlops(model, w);
}

/** llama.cpp's default layer split runs GPUs one after the other; each hand-off costs a little. */
const LAYER_SPLIT_HOP_SEC = 0.2e-3;

export function stepTerms(p: StepParts, w: StepWork): StepTerms {
  const tokens = w.prefillTokens + w.decodeSeqs;
  if (tokens <= 0) {
    return { fixedSec: 0, perSeqSec: 0, linearSec: 0, linearMemorySec: 0, linearComputeSec: 0, attentionSec: 0, attentionMemorySec: 0, attentionComputeSec: 0, commSec: 0, totalSec: 0 };
  }
  const e = p.efficiency;
  const tensorParallel = p.engine !== 'llamacpp';
  const parallel = tensorParallel ? p.gpus : 1;
  const bandwidth = p.gpu.bandwidthGBs * 1e9 * parallel;
  const flops = peakTflops(p.gpu, p.quant) * 1e12 * e.compute * (p.quant.computeShare ?? 1) * parallel;
  const linearMemorySec = weightsReadBytes(p.model, p.quant, tokens) / (bandwidth * e.bandwidth);
  const linearComputeSec = linearFlops(p.model, tokens) / flops;
  const attentionMemorySec = stepKvBytes(p, w) / (bandwidth * e.attentionBandwidth);
  const attentionComputeSec = attentionFlops(p.model, w) / flops;
  let commSec = 0;
  if (p.gpus > 1) {
    commSec = tensorParallel
      ? tensorParallelSeconds(p.link ?? linkFor(p.gpu), p.gpus, p.model.layers, tokens, p.model.hidden)
      : (p.gpus - 1) * LAYER_SPLIT_HOP_SEC;
  }
  const fixedSec = e.stepOverheadSec + p.model.layers * e.layerOverheadSec;
  const perSeqSec = (w.decodeSeqs + (w.prefillTokens > 0 ? Math.max(1, w.prefillSeqs ?? 1) : 0)) * e.seqOverheadSec;
  const linearSec = roofline(linearMemorySec, linearComputeSec);
  const attentionSec = roofline(attentionMemorySec, attentionComputeSec);
  return {
    fixedSec, perSeqSec, linearSec, linearMemorySec, linearComputeSec, attentionSec, attentionMemorySec, attentionComputeSec, commSec,
    totalSec: fixedSec + perSeqSec + linearSec + attentionSec + commSec,
  };
}

export function stepSeconds(p: StepParts, w: StepWork): number {
  return stepTerms(p, w).totalSec;
}
