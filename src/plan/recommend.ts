// Lists configurations meeting the targets, cheapest per month first: for each GPU × engine × quantization,
// the fewest GPUs (and best split into replicas) that serve the users.
import { GPUS, type Gpu } from '../catalog/gpus.js';
import type { ModelArch } from '../catalog/models.js';
import { getQuant } from '../catalog/lookup.js';
import type { Quant } from '../catalog/quants.js';
import type { Calibration } from '../perfmodel/index.js';
import type { EngineKind } from '../perfmodel/types.js';
import type { CostOptions } from './costs.js';
import { evaluate, type Evaluation } from './evaluate.js';
import type { Workload } from './use-case.js';

export interface RecommendInput {
  readonly model: ModelArch;
  readonly users: number;
  readonly workload: Workload;
  readonly costs: CostOptions;
  readonly gpus?: readonly Gpu[];
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
  readonly considered: number;
}

const DEFAULT_QUANTS: Readonly<Record<EngineKind, readonly string[]>> = {
  vllm: ['bf16', 'fp8', 'awq-int4'],
  sglang: ['bf16', 'fp8', 'awq-int4'],
  tgi: ['bf16', 'awq-int4'],
  llamacpp: ['q4_k_m', 'q8_0'],
};

function splits(count: number): { tp: number }[] {
  return [1, 2, 4, 8].filter((tp) => tp <= count && count % tp === 0).map((tp) => ({ tp }));
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

export function recommend(input: RecommendInput): Recommendations {
  const gpus = input.gpus ?? GPUS;
  const engines = input.engines ?? (['vllm', 'llamacpp'] as const);
  const maxGpus = input.maxGpus ?? 8;
  const ranked: Evaluation[] = [];
  const unpriced = new Set<string>();
  let considered = 0;
  for (const gpu of gpus) {
    for (const engine of engines) {
      const quants = input.fixedQuant ? [input.fixedQuant] : (input.quants ?? DEFAULT_QUANTS[engine].map(getQuant));
      for (const quant of quants) {
        if (!compatible(engine, gpu, quant)) continue;
        // Apple machines do not pool into one replica over a fast link: one machine per replica.
        const maxCount = gpu.class === 'apple-m' ? Math.min(maxGpus, 4) : maxGpus;
        let best: Evaluation | undefined;
        for (let count = 1; count <= maxCount && !best; count++) {
          for (const { tp } of splits(count)) {
            if (gpu.class === 'apple-m' && tp > 1) continue;
            considered++;
            const e = evaluate({ gpu, model: input.model, quant, engine, gpus: count, tp, workload: input.workload, users: input.users, costs: input.costs, calibration: input.calibration });
            if (!e.meetsTargets) continue;
            if (!best || e.usersServed > best.usersServed) best = e;
          }
        }
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
  return { ranked, unpriced: [...unpriced], considered };
}
