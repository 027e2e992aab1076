// Builds the performance model of one replica (GPU × count × model × engine × quantization) from the catalogs.
import type { Gpu } from '../catalog/gpus.js';
import type { HostModel } from '../catalog/hosts.js';
import { getGpu, getHost, getModel, getQuant } from '../catalog/lookup.js';
import type { ModelArch } from '../catalog/models.js';
import type { Quant } from '../catalog/quants.js';
import { efficiencyFor, type Calibration, type Efficiency } from './efficiency.js';
import { linkFor, type Link } from './interconnect.js';
import { kvBytesForContext, kvBytesPerToken, llamacppMemory, vllmMemory, weightsBytes, type LlamacppMemory, type VllmMemory } from './memory.js';
import { stepSeconds, type StepParts } from './step-time.js';
import type { ReplicaModel, ReplicaSpec, StepWork } from './types.js';

export const BLOCK_SIZE = 16;
const LLAMACPP_UBATCH = 512;

/** Catalog entries to use instead of looking the ids up (a model from config.json or a GGUF header). */
export interface ReplicaParts {
  readonly gpu?: Gpu;
  readonly model?: ModelArch;
  readonly quant?: Quant;
  readonly host?: HostModel;
}

export interface ReplicaDetail extends ReplicaModel {
  readonly gpu: Gpu;
  readonly model: ModelArch;
  readonly quant: Quant;
  readonly efficiency: Efficiency;
  readonly host?: HostModel;
  /** The link its tensor-parallel all-reduces use. */
  readonly link: Link;
  /** Whether the engine starts: weights, reserves and one maxModelLen sequence fit. */
  readonly fits: boolean;
  /** Why not, when fits is false. */
  readonly notFitReason?: string;
  /** Longest single request (llama.cpp divides n_ctx among its parallel slots). */
  readonly maxContextPerSeq: number;
  readonly memory: { readonly engine: 'vllm'; readonly detail: VllmMemory } | { readonly engine: 'llamacpp'; readonly detail: LlamacppMemory };
}

/**
 * vLLM V1 server defaults (engine/arg_utils.py get_batch_defaults): GPUs with ≥ 70 GiB other than the A100 get
 * 8192 batched tokens and 1024 sequences; the rest 2048 and 256.
 */
function serverDefaults(gpu: Gpu): { batchedTokens: number; maxNumSeqs: number } {
  const big = gpu.memoryGiB >= 70 && gpu.class !== 'ampere-hbm';
  return big ? { batchedTokens: 8192, maxNumSeqs: 1024 } : { batchedTokens: 2048, maxNumSeqs: 256 };
}

function checkCompatible(spec: ReplicaSpec, gpu: Gpu, quant: Quant): void {
  if (!quant.engines.includes(spec.engine)) {
    throw new Error(`quantization '${quant.id}' does not run on engine '${spec.engine}' (engines: ${quant.engines.join(', ')})`);
  }
  if (quant.needsFp8 && gpu.tflops.fp8 === undefined) throw new Error(`quantization '${quant.id}' needs FP8 hardware; '${gpu.id}' has none`);
  if (gpu.class === 'apple-m' && spec.engine !== 'llamacpp') throw new Error(`engine '${spec.engine}' does not run on '${gpu.id}' (use llamacpp)`);
  if (!Number.isInteger(spec.gpus) || spec.gpus < 1) throw new Error(`gpus must be a positive integer, got ${spec.gpus}`);
}

export function buildReplicaModel(spec: ReplicaSpec, calibration?: Calibration, parts: ReplicaParts = {}): ReplicaDetail {
  const gpu = parts.gpu ?? getGpu(spec.gpu);
  const model = parts.model ?? getModel(spec.model);
  const quant = parts.quant ?? getQuant(spec.quant);
  const host = parts.host ?? (spec.host === undefined ? undefined : getHost(spec.host));
  checkCompatible(spec, gpu, quant);
  const efficiency = efficiencyFor(spec.engine, gpu, calibration);
  const link = linkFor(gpu, host, spec.gpus);
  const stepParts: StepParts = { gpu, model, quant, engine: spec.engine, gpus: spec.gpus, efficiency, link };
  const kvPerToken = kvBytesPerToken(model);
  const weights = weightsBytes(model, quant);

  if (spec.engine === 'llamacpp') {
    const maxNumSeqs = spec.maxNumSeqs ?? 1;
    const maxModelLen = spec.maxModelLen ?? Math.min(model.contextLength, 4096 * maxNumSeqs);
    const maxBatchedTokens = spec.maxBatchedTokens ?? LLAMACPP_UBATCH;
    const detail = llamacppMemory({ gpu, model, quant, gpus: spec.gpus, nCtx: maxModelLen, ubatch: maxBatchedTokens });
    const maxContextPerSeq = Math.floor(maxModelLen / maxNumSeqs);
    const notFitReason = detail.fits
      ? undefined
      : `needs ${gib(detail.requiredBytes)} GiB (weights ${gib(detail.weightsBytes)}, KV ${gib(detail.kvCacheBytes)}) > ${gib(detail.availableBytes)} GiB available`;
    return {
      spec, gpu, model, quant, efficiency, host, link, kvBytesPerToken: kvPerToken, weightsBytes: weights,
      blockSize: BLOCK_SIZE, kvBlocks: Math.floor(maxModelLen / BLOCK_SIZE), maxNumSeqs, maxBatchedTokens, maxModelLen,
      maxContextPerSeq, fits: detail.fits, notFitReason, memory: { engine: 'llamacpp', detail },
      // llama.cpp processes a long prompt in micro-batches, each a full pass over the layers.
      stepSeconds: (w: StepWork) => llamacppStep(stepParts, w, maxBatchedTokens),
    };
  }

  const maxModelLen = spec.maxModelLen ?? model.contextLength;
  const defaults = serverDefaults(gpu);
  const maxNumSeqs = spec.maxNumSeqs ?? defaults.maxNumSeqs;
  const maxBatchedTokens = spec.maxBatchedTokens ?? defaults.batchedTokens;
  const detail = vllmMemory({
    gpu, model, quant, tp: spec.gpus, gpuMemoryUtilization: spec.gpuMemoryUtilization ?? 0.9, maxBatchedTokens, maxNumSeqs, blockSize: BLOCK_SIZE,
  });
  const oneSeqBytes = (kvBytesForContext(model, maxModelLen) / kvPerToken) * detail.kvBytesPerTokenPerGpu;
  let notFitReason: string | undefined;
  if (detail.kvCacheBytes <= 0) {
    notFitReason = `weights ${gib(detail.weightsBytes)} GiB + activations ${gib(detail.activationBytes)} GiB + reserve ${gib(detail.nonTorchBytes)} GiB per GPU exceed ${gib(detail.budgetBytes)} GiB (utilisation × memory)`;
  } else if (detail.kvCacheBytes < oneSeqBytes) {
    notFitReason = `KV cache ${gib(detail.kvCacheBytes)} GiB per GPU cannot hold one ${maxModelLen}-token sequence (${gib(oneSeqBytes)} GiB)`;
  }
  return {
    spec, gpu, model, quant, efficiency, host, link, kvBytesPerToken: kvPerToken, weightsBytes: weights,
    blockSize: BLOCK_SIZE, kvBlocks: detail.blocks, maxNumSeqs, maxBatchedTokens, maxModelLen, maxContextPerSeq: maxModelLen,
    chunkedPrefill: spec.chunkedPrefill ?? true,
    fits: notFitReason === undefined, notFitReason, memory: { engine: 'vllm', detail },
    stepSeconds: (w: StepWork) => stepSeconds(stepParts, w),
  };
}

function llamacppStep(parts: StepParts, w: StepWork, ubatch: number): number {
  if (w.prefillTokens + w.decodeSeqs <= ubatch) return stepSeconds(parts, w);
  let total = 0;
  let done = 0;
  // First micro-batch carries the decodes; later ones continue the prompt over a growing context.
  while (done < w.prefillTokens) {
    const room = done === 0 ? Math.max(1, ubatch - w.decodeSeqs) : ubatch;
    const n = Math.min(room, w.prefillTokens - done);
    total += stepSeconds(parts, {
      prefillTokens: n, prefillContextTokens: w.prefillContextTokens + done, prefillSeqs: w.prefillSeqs,
      decodeSeqs: done === 0 ? w.decodeSeqs : 0, decodeContextTokens: done === 0 ? w.decodeContextTokens : 0,
    });
    done += n;
  }
  return total;
}

function gib(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(2);
}
