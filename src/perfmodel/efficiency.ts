// Efficiency factors per engine × GPU class: llama.cpp fitted to the reference tables at load; servers documented defaults.
import { getGpu, getModel, getQuant } from '../catalog/lookup.js';
import type { Gpu, GpuClass } from '../catalog/gpus.js';
import { fitCompute, fitDecode, type DecodePoint } from './fit.js';
import { LLAMACPP_DECODE, LLAMACPP_PREFILL, LLAMACPP_TG_AVG_CONTEXT } from './reference-data.js';
import { kvBytesPerToken, weightsReadBytes } from './memory.js';
import type { EngineKind } from './types.js';

export interface Efficiency {
  /** Share of peak memory bandwidth reached streaming weights and KV. */
  readonly bandwidth: number;
  /** Share of peak dense TFLOPS reached by prefill-sized matrix products. */
  readonly compute: number;
  /** Fixed cost per layer per step (kernel launches, dequantisation, synchronisation). */
  readonly layerOverheadSec: number;
  /** Fixed cost per step (scheduling, sampling, detokenising). */
  readonly stepOverheadSec: number;
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
    compute,
    layerOverheadSec: decode.layerOverheadSec,
    stepOverheadSec: 0,
    source: `llama.cpp tg1024 on ${refId} (fit rms error ${(decode.rmsRelError * 100).toFixed(1)}%); compute ${computeSource}`,
  };
}

/**
 * Batched servers (vLLM, SGLang, TGI): no per-GPU public single-stream table, so documented defaults chosen to
 * reproduce the NIM Llama-3.1-8B point (4.6 ms/token at concurrency 1 on H100) and typical vLLM MFU in prefill.
 */
function serverEfficiency(gpu: Gpu): Efficiency {
  const hbm = gpu.class === 'ampere-hbm' || gpu.class === 'hopper' || gpu.class === 'volta';
  return {
    bandwidth: hbm ? 0.85 : 0.8,
    compute: 0.6,
    layerOverheadSec: 30e-6,
    stepOverheadSec: 0.6e-3,
    source: 'server defaults (checked against NIM Llama-3.1-8B/70B single-stream points)',
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
    compute: hit.compute ?? base.compute,
    layerOverheadSec: hit.layerOverheadSec ?? base.layerOverheadSec,
    stepOverheadSec: hit.stepOverheadSec ?? base.stepOverheadSec,
    source: `calibrated: ${hit.source}`,
  };
}
