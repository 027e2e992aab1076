// Lists configurations meeting the targets, cheapest per month first: for each allowed GPU × engine ×
// quantization, the fewest GPUs — split into as many replicas as meet the targets, tensor parallelism only where
// a replica would not — on the hosts they need.
import { GPUS, type Gpu, type GpuSegment } from '../catalog/gpus.js';
import type { ModelArch } from '../catalog/models.js';
import { getQuant } from '../catalog/lookup.js';
import type { Quant } from '../catalog/quants.js';
import type { Calibration } from '../perfmodel/index.js';
import type { EngineKind } from '../perfmodel/types.js';
import type { CostOptions } from './costs.js';
import { evaluate, placementFor, type Evaluation } from './evaluate.js';
import { applyAllow, defaultAllow, type ExcludedSegment } from './suitability.js';
import type { UseCase, Workload } from './use-case.js';

export interface RecommendInput {
  readonly model: ModelArch;
  readonly users: number;
  readonly workload: Workload;
  readonly costs: CostOptions;
  /** GPUs to consider (default: the catalog, filtered by `allow`; a list given here is taken as is unless `allow` is set). */
  readonly gpus?: readonly Gpu[];
  /** GPU segments to consider (default: by use case — workstation and datacenter for shared services). */
  readonly allow?: readonly GpuSegment[];
  readonly useCase?: UseCase;
  readonly engines?: readonly EngineKind[];
  /** Quantizations to consider (default: bf16, fp8, awq-int4 on servers; q4_k_m, q8_0 on llama.cpp). */
  readonly quants?: readonly Quant[];
  readonly maxGpus?: number;
  /** Purchase budget (buy) or monthly budget (rent), EUR. */
  readonly budgetEur?: number;
  readonly calibration?: Calibration;
  /** A model supplied as a file has its own weights format; only that quantization is considered. */
  readonly fixedQuant?: Quant;
}

export interface Recommendations {
  readonly ranked: readonly Evaluation[];
  /** Candidates skipped for lack of a price (GPU ids). */
  readonly unpriced: readonly string[];
  /** Segments left out, with their GPUs and why (`--allow` brings them back). */
  readonly excluded: readonly ExcludedSegment[];
  readonly considered: number;
}

const DEFAULT_QUANTS: Readonly<Record<EngineKind, readonly string[]>> = {
  vllm: ['bf16', 'fp8', 'awq-int4'],
  sglang: ['bf16', 'fp8', 'awq-int4'],
  tgi: ['bf16', 'awq-int4'],
  llamacpp: ['q4_k_m', 'q8_0'],
};

/** GPUs per replica to try for `count` GPUs, fewest first: replicas before tensor parallelism. */
function splits(count: number): number[] {
  return [1, 2, 4, 8].filter((tp) => tp <= count && count % tp === 0);
}

function compatible(engine: EngineKind, gpu: Gpu, quant: Quant): boolean {
  if (!quant.engines.includes(engine)) return false;
  if (quant.needsFp8 && gpu.tflops.fp8 === undefined) return false;
  return gpu.class !== 'apple-m' || engine === 'llamacpp';
}

function withinBudget(e: Evaluation, budget: number | undefined): boolean {
  if (budget === undefined || !e.cost) return true;
  return (e.cost.purchaseEur ?? e.cost.totalEurMonth) <= budget;
}

/**
 * The fewest GPUs meeting the targets; at that count the split with the most replicas that meets them — replicas
 * need no all-reduce and one failing GPU leaves the others serving — unless a split with more tensor parallelism
 * serves clearly more users (a quarter more).
 */
function smallestMeeting(
  input: RecommendInput, allow: readonly GpuSegment[] | undefined, gpu: Gpu, engine: EngineKind, quant: Quant, maxGpus: number,
): { best?: Evaluation; tried: number } {
  let tried = 0;
  for (let count = 1; count <= maxGpus; count++) {
    let best: Evaluation | undefined;
    for (const tp of splits(count)) {
      if (!placementFor({ gpu, gpus: count, tp, costs: input.costs, allow })) continue;
      tried++;
      const e = evaluate({
        gpu, model: input.model, quant, engine, gpus: count, tp, workload: input.workload, users: input.users, costs: input.costs,
        calibration: input.calibration, allow,
      });
      if (!e.meetsTargets) continue;
      if (!best || e.usersServed > 1.25 * best.usersServed) best = e;
    }
    if (best) return { best, tried };
  }
  return { tried };
}

export function recommend(input: RecommendInput): Recommendations {
  const listed = input.gpus ?? GPUS;
  const allow = input.allow ?? (input.gpus ? undefined : defaultAllow(input.useCase ?? 'chat'));
  const { allowed, excluded } = allow ? applyAllow(listed, allow) : { allowed: [...listed], excluded: [] };
  const engines = input.engines ?? (['vllm', 'llamacpp'] as const);
  const maxGpus = input.maxGpus ?? 8;
  const ranked: Evaluation[] = [];
  const unpriced = new Set<string>();
  let considered = 0;
  for (const gpu of allowed) {
    for (const engine of engines) {
      const quants = input.fixedQuant ? [input.fixedQuant] : (input.quants ?? DEFAULT_QUANTS[engine].map(getQuant));
      for (const quant of quants) {
        if (!compatible(engine, gpu, quant)) continue;
        const { best, tried } = smallestMeeting(input, allow, gpu, engine, quant, maxGpus);
        considered += tried;
        if (!best) continue;
        if (!best.cost) {
          unpriced.add(gpu.id);
          continue;
        }
        if (withinBudget(best, input.budgetEur)) ranked.push(best);
      }
    }
  }
  ranked.sort((a, b) => (a.cost?.totalEurMonth ?? Infinity) - (b.cost?.totalEurMonth ?? Infinity) || b.usersServed - a.usersServed);
  return { ranked, unpriced: [...unpriced], excluded, considered };
}
