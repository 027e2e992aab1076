// Efficiency factors per engine × GPU class: llama.cpp fitted to the reference tables at load; servers fitted to
// public batched measurements (src/perfmodel/validate.ts) and shipped as constants.
import { getGpu, getModel, getQuant } from '../catalog/lookup.js';
import type { Gpu, GpuClass } from '../catalog/gpus.js';
import { fitCompute, fitDecode, type DecodePoint } from './fit.js';
import { LLAMACPP_DECODE, LLAMACPP_PREFILL, LLAMACPP_TG_AVG_CONTEXT } from './reference-data.js';
import { kvBytesPerToken, weightsReadBytes } from './memory.js';
import type { EngineKind } from './types.js';

export interface Efficiency {
  /** Share of peak memory bandwidth reached streaming weights. */
  readonly bandwidth: number;
  /** Share of peak memory bandwidth reached by attention kernels reading the KV cache (paged, per sequence). */
  readonly attentionBandwidth: number;
  /** Share of peak dense TFLOPS reached by prefill-sized matrix products. */
  readonly compute: number;
  /** Fixed cost per layer per step (kernel launches, dequantisation, synchronisation). */
  readonly layerOverheadSec: number;
  /** Fixed cost per step (scheduling, launching the step). */
  readonly stepOverheadSec: number;
  /** CPU cost per sequence per step (scheduling, input preparation, sampling, detokenising). */
  readonly seqOverheadSec: number;
  readonly source: string;
}

/** A user calibration (from `relais plan calibrate`): overrides for one engine on one GPU id or class. */
export interface CalibrationEntry extends Partial<Omit<Efficiency, 'source'>> {
  readonly engine: EngineKind;
  /** GPU id (e.g. 'l40s') or GPU class (e.g. 'hopper'). */
  readonly gpu: string;
  readonly source: string;
}

export interface Calibration {
  readonly entries: readonly CalibrationEntry[];
}

const LLAMACPP_UBATCH = 512;
/** Where no prefill measurement exists for a class, llama.cpp reaches about this share of peak (assumption). */
const LLAMACPP_DEFAULT_COMPUTE = 0.35;
/** Apple GPUs: llama.cpp's Metal kernels reach a larger share of the (fp32-rated) peak (assumption). */
const LLAMACPP_APPLE_COMPUTE = 0.6;

/** Reference GPU whose llama.cpp measurements stand for each class (volta has none: borrows ampere-hbm). */
const LLAMACPP_CLASS_REFERENCE: Record<GpuClass, string> = {
  'ampere-gddr': 'rtx-3090',
  'ampere-hbm': 'a100-80g',
  'ada-consumer': 'rtx-4090',
  'ada-datacenter': 'l40s',
  hopper: 'h100-pcie',
  volta: 'a100-80g',
  'apple-m': 'm2-ultra',
};

const LAYER_SPLIT_HOP_SEC = 0.2e-3;

function llamacppDecodePoints(gpuId: string): DecodePoint[] {
  const row = LLAMACPP_DECODE.find((r) => r.gpu === gpuId);
  if (!row) return [];
  const gpu = getGpu(gpuId);
  const m8 = getModel('llama-3-8b');
  const m70 = getModel('llama-3.1-70b');
  const point = (modelId: 'q4km' | 'f16' | 'q4km70b'): DecodePoint => {
    const model = modelId === 'q4km70b' ? m70 : m8;
    const quant = getQuant(modelId === 'f16' ? 'f16' : 'q4_k_m');
    const bytes = weightsReadBytes(model, quant, 1) + kvBytesPerToken(model) * LLAMACPP_TG_AVG_CONTEXT;
    const hops = modelId === 'q4km70b' ? (row.gpus70b - 1) * LAYER_SPLIT_HOP_SEC : 0;
    return { bytes, layers: model.layers, seconds: 1 / row[modelId] - hops, bandwidthGBs: gpu.bandwidthGBs };
  };
  return [point('q4km'), point('f16'), point('q4km70b')];
}

function llamacppEfficiency(cls: GpuClass): Efficiency {
  const refId = LLAMACPP_CLASS_REFERENCE[cls];
  const decode = fitDecode(llamacppDecodePoints(refId));
  const pp = LLAMACPP_PREFILL.find((p) => p.gpu === refId);
  let compute = cls === 'apple-m' ? LLAMACPP_APPLE_COMPUTE : LLAMACPP_DEFAULT_COMPUTE;
  let computeSource = 'assumed';
  if (pp) {
    const model = getModel('llama-3-8b');
    const gpu = getGpu(refId);
    const ubatches = Math.ceil(1024 / LLAMACPP_UBATCH);
    compute = fitCompute([{
      flops: 2 * model.activeParams * 1024 + 4 * model.heads * model.headDim * model.layers * (1024 * 1024) / 2,
      seconds: 1024 / pp.tokPerSec,
      overheadSec: ubatches * model.layers * decode.layerOverheadSec,
      tflops: gpu.tflops.bf16 ?? gpu.tflops.fp16,
    }]);
    computeSource = `fitted to pp1024 on ${refId}`;
  }
  return {
    bandwidth: decode.bandwidth,
    // The tg1024 fit streams weights and KV at one share: the KV is small there and read by the same pass.
    attentionBandwidth: decode.bandwidth,
    compute,
    layerOverheadSec: decode.layerOverheadSec,
    stepOverheadSec: 0,
    seqOverheadSec: 0,
    source: `llama.cpp tg1024 on ${refId} (fit rms error ${(decode.rmsRelError * 100).toFixed(1)}%); compute ${computeSource}`,
  };
}

/**
 * Batched servers (vLLM, SGLang, TGI): one set of factors, fitted by `fitServerFactors` (src/perfmodel/validate.ts)
 * to the batched measurements of src/catalog/batched-measurements.ts with weak priors; `npm run bench:perfmodel`
 * refits them and prints the leave-one-source-out error table of docs/perfmodel.md. GDDR cards reach a smaller
 * share of their bandwidth than HBM ones (the llama.cpp fits show the same). The compute share stays at its prior:
 * the fitted sources are decode-heavy and would pull it down against the one prefill-heavy source (Musgrave, C=8).
 */
export const SERVER_FACTORS = {
  bandwidthHbm: 0.8,
  bandwidthGddr: 0.75,
  attentionBandwidth: 0.52,
  compute: 0.5,
  layerOverheadSec: 30e-6,
  stepOverheadSec: 1.04e-3,
  seqOverheadSec: 26e-6,
} as const;

/**
 * The engineering values the fit starts from and is pulled back towards: weights streamed at 85% (HBM) / 80%
 * (GDDR) of peak, paged attention at 55%, half of peak TFLOPS in prefill, 1 ms per step and 25 µs per sequence
 * of CPU work (scheduling, sampling, detokenising), 30 µs per layer with CUDA graphs.
 */
export const SERVER_PRIORS = {
  bandwidthHbm: 0.85,
  bandwidthGddr: 0.8,
  attentionBandwidth: 0.55,
  compute: 0.5,
  layerOverheadSec: 30e-6,
  stepOverheadSec: 1e-3,
  seqOverheadSec: 25e-6,
} as const;

export const SERVER_SOURCE = 'server factors fitted to public batched vLLM measurements (docs/perfmodel.md)';

function serverEfficiency(gpu: Gpu): Efficiency {
  const hbm = gpu.class === 'ampere-hbm' || gpu.class === 'hopper' || gpu.class === 'volta';
  const f = SERVER_FACTORS;
  return {
    bandwidth: hbm ? f.bandwidthHbm : f.bandwidthGddr,
    attentionBandwidth: f.attentionBandwidth,
    compute: f.compute,
    layerOverheadSec: f.layerOverheadSec,
    stepOverheadSec: f.stepOverheadSec,
    seqOverheadSec: f.seqOverheadSec,
    source: SERVER_SOURCE,
  };
}

const llamacppCache = new Map<GpuClass, Efficiency>();

/** Efficiency of an engine on a GPU: a calibration entry for the GPU id wins over one for its class, over defaults. */
export function efficiencyFor(engine: EngineKind, gpu: Gpu, calibration?: Calibration): Efficiency {
  let base: Efficiency;
  if (engine === 'llamacpp') {
    base = llamacppCache.get(gpu.class) ?? llamacppEfficiency(gpu.class);
    llamacppCache.set(gpu.class, base);
  } else {
    base = serverEfficiency(gpu);
  }
  const entries = calibration?.entries.filter((e) => e.engine === engine) ?? [];
  const hit = entries.find((e) => e.gpu === gpu.id) ?? entries.find((e) => e.gpu === gpu.class);
  if (!hit) return base;
  return {
    bandwidth: hit.bandwidth ?? base.bandwidth,
    attentionBandwidth: hit.attentionBandwidth ?? base.attentionBandwidth,
    compute: hit.compute ?? base.compute,
    layerOverheadSec: hit.layerOverheadSec ?? base.layerOverheadSec,
    stepOverheadSec: hit.stepOverheadSec ?? base.stepOverheadSec,
    seqOverheadSec: hit.seqOverheadSec ?? base.seqOverheadSec,
    source: `calibrated: ${hit.source}`,
  };
}
