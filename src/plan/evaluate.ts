// Evaluates one configuration (model × GPU × count × engine × quantization) against a workload and user count.
import { GPU_SEGMENTS, type Gpu, type GpuSegment } from '../catalog/gpus.js';
import type { HostModel } from '../catalog/hosts.js';
import type { ModelArch } from '../catalog/models.js';
import type { Quant } from '../catalog/quants.js';
import {
  buildReplicaModel, kvBytesForContext, steadyState, uncertaintyFor, type Calibration, type ReplicaDetail, type SteadyState, type Uncertainty,
} from '../perfmodel/index.js';
import type { EngineKind } from '../perfmodel/types.js';
import { costSheet, eurPerMillionTokens, rankedCost, type Cost, type CostOptions, type CostSheet } from './costs.js';
import { cheapestPlacement, noPlacementReason, placeOn, type Placement } from './host-placement.js';
import type { Workload } from './use-case.js';

export interface ConfigInput {
  readonly gpu: Gpu;
  readonly model: ModelArch;
  readonly quant: Quant;
  readonly engine: EngineKind;
  /** GPUs in total; replicas = gpus / tp. */
  readonly gpus: number;
  /** GPUs per replica (tensor parallel for servers, layer split for llama.cpp). */
  readonly tp: number;
  readonly workload: Workload;
  /** People generating at the same time. */
  readonly users: number;
  readonly costs: CostOptions;
  readonly calibration?: Calibration;
  readonly gpuMemoryUtilization?: number;
  /** Chunked prefill (default on: vLLM ≥ 0.6, SGLang, TGI); off models vLLM V0's prefill-only steps. */
  readonly chunkedPrefill?: boolean;
  /** Host model to put the GPUs in (default: the cheapest that takes them). */
  readonly host?: HostModel;
  /** Segments the default host may come from (default: the GPU's own and those above it — a datacenter card goes in a server). */
  readonly allow?: readonly GpuSegment[];
}

export interface Evaluation {
  readonly input: ConfigInput;
  readonly replicas: number;
  readonly usersPerReplica: number;
  /** The replica as configured for the evaluated user count (llama.cpp: one slot per user). */
  readonly replica: ReplicaDetail;
  readonly fits: boolean;
  readonly notFitReason?: string;
  readonly kvBytesPerToken: number;
  /** KV bytes one request at full context takes (sliding windows capped). */
  readonly kvBytesPerRequest: number;
  /** Tokens the KV cache of one replica holds. */
  readonly kvTokensPerReplica: number;
  /** Requests at full context the whole configuration holds at once. */
  readonly maxConcurrentAtContext: number;
  /** One user alone: decode speed and time to first token for the workload's prompt. */
  readonly single: SteadyState;
  /** All users at once (per replica). */
  readonly atUsers: SteadyState;
  /** Most simultaneous users meeting both targets. */
  readonly usersServed: number;
  readonly meetsTargets: boolean;
  readonly outputTokPerSec: number;
  /** Hosts the GPUs go into (undefined when no host takes a tensor-parallel group: then fits is false). */
  readonly placement?: Placement;
  /** The cost the chosen pricing ranks by (undefined: no price of that kind in the catalog). */
  readonly cost?: Cost;
  /** Buy and rent at the hours of use, and their break-even. */
  readonly costs: CostSheet;
  readonly eurPerMillionTokens?: number;
  readonly tokPerSecPerWatt: number;
  readonly tokPerSecPerEurMonth?: number;
  readonly calibrated: boolean;
  /** How far measurements may fall from these predictions (p10–p90 multipliers). */
  readonly uncertainty: Uncertainty;
  /** Users served at the pessimistic and the optimistic end of the uncertainty. */
  readonly usersServedRange: readonly [number, number];
  /** The targets are met at the predicted values but not at the pessimistic end of the range. */
  readonly insideNoise: boolean;
}

const MAX_USERS_SEARCH = 8192;
const MAX_LLAMACPP_SLOTS = 256;

function replicaFor(c: ConfigInput, slots: number, host?: HostModel): ReplicaDetail {
  const base = { gpu: c.gpu.id, gpus: c.tp, model: c.model.id, quant: c.quant.id, engine: c.engine, gpuMemoryUtilization: c.gpuMemoryUtilization, chunkedPrefill: c.chunkedPrefill };
  const parts = { gpu: c.gpu, model: c.model, quant: c.quant, host };
  if (c.engine === 'llamacpp') {
    const n = Math.max(1, Math.min(slots, MAX_LLAMACPP_SLOTS));
    return buildReplicaModel({ ...base, maxNumSeqs: n, maxModelLen: c.workload.context * n }, c.calibration, parts);
  }
  return buildReplicaModel({ ...base, maxModelLen: c.workload.context }, c.calibration, parts);
}

function load(r: ReplicaDetail, c: ConfigInput, users: number): SteadyState {
  const w = c.workload;
  return steadyState(r, { concurrency: users, promptTokens: w.promptTokens, outputTokens: w.outputTokens, cachedPromptTokens: w.cachedPromptTokens });
}

/** Scales predicted speed and latency, to test the targets at either end of the uncertainty (1, 1: as predicted). */
interface Scale {
  readonly speed: number;
  readonly latency: number;
}
const AS_PREDICTED: Scale = { speed: 1, latency: 1 };

function meets(s: SteadyState, w: Workload, k: Scale = AS_PREDICTED): boolean {
  return s.perUserTokPerSec * k.speed >= w.minTps && s.ttftSec * k.latency <= w.maxTtftSec;
}

/** Largest user count per replica meeting the targets (0 if even one user does not). */
function usersServedPerReplica(c: ConfigInput, host: HostModel | undefined, k: Scale = AS_PREDICTED): number {
  const ok = (n: number): boolean => {
    const r = replicaFor(c, n, host);
    return r.fits && meets(load(r, c, n), c.workload, k);
  };
  if (!ok(1)) return 0;
  let lo = 1;
  let hi = 2;
  while (hi <= MAX_USERS_SEARCH && ok(hi)) {
    lo = hi;
    hi *= 2;
  }
  if (hi > MAX_USERS_SEARCH) return lo;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Where the GPUs go: the given host model, or the cheapest that takes a whole tensor-parallel group. */
export function placementFor(c: Pick<ConfigInput, 'gpu' | 'gpus' | 'tp' | 'host' | 'costs' | 'allow'>): Placement | undefined {
  return c.host ? placeOn(c.host, c.gpu, c.gpus, c.tp) : cheapestPlacement(c.gpu, c.gpus, c.tp, c.costs.eurPerKwh, hostSegments(c));
}

/** Hosts of the card's own class or better, unless the caller says which. */
function hostSegments(c: Pick<ConfigInput, 'gpu' | 'allow'>): readonly GpuSegment[] {
  return c.allow ?? GPU_SEGMENTS.slice(0, GPU_SEGMENTS.indexOf(c.gpu.segment) + 1);
}

export function evaluate(c: ConfigInput): Evaluation {
  if (c.gpus % c.tp !== 0) throw new Error(`gpus (${c.gpus}) must be a multiple of GPUs per replica (${c.tp})`);
  const replicas = c.gpus / c.tp;
  const usersPerReplica = Math.max(1, Math.ceil(c.users / replicas));
  const placement = placementFor(c);
  const host = placement?.host;
  const built = replicaFor(c, usersPerReplica, host);
  // A tensor-parallel group split over hosts would need a network between them: not modelled, so not offered.
  const replica: ReplicaDetail = placement || !built.fits ? built : { ...built, fits: false, notFitReason: noPlacementReason(c.gpu, c.tp, c.host, hostSegments(c)) };
  const kvBytesPerRequest = kvBytesForContext(c.model, c.workload.context);
  const kvTokensPerReplica = replica.kvBlocks * replica.blockSize;
  const perRequestTokens = (kvBytesPerRequest / replica.kvBytesPerToken);
  const maxConcurrentAtContext = replica.fits ? Math.floor(kvTokensPerReplica / perRequestTokens) * replicas : 0;
  const single = load(replicaFor(c, 1, host), c, 1);
  const atUsers = load(replica, c, usersPerReplica);
  const usersServed = replica.fits ? usersServedPerReplica(c, host) * replicas : 0;
  const meetsTargets = replica.fits && meets(atUsers, c.workload);
  const outputTokPerSec = replica.fits ? atUsers.outputTokPerSec * replicas : 0;
  const costs = costSheet(c.gpu, c.gpus, placement, c.costs);
  const cost = rankedCost(costs, c.costs.pricing);
  const watts = c.gpu.tdpW * c.gpus;
  const calibrated = replica.efficiency.source.startsWith('calibrated');
  const uncertainty = uncertaintyFor(c.engine, calibrated);
  const pessimistic = { speed: uncertainty.speed.low, latency: uncertainty.latency.high };
  const optimistic = { speed: uncertainty.speed.high, latency: uncertainty.latency.low };
  const usersServedRange: [number, number] = replica.fits
    ? [usersServedPerReplica(c, host, pessimistic) * replicas, usersServedPerReplica(c, host, optimistic) * replicas]
    : [0, 0];
  return {
    input: c, replicas, usersPerReplica, replica, fits: replica.fits, notFitReason: replica.notFitReason,
    kvBytesPerToken: replica.kvBytesPerToken, kvBytesPerRequest, kvTokensPerReplica, maxConcurrentAtContext,
    single, atUsers, usersServed, meetsTargets, outputTokPerSec, placement, cost, costs,
    eurPerMillionTokens: cost ? eurPerMillionTokens(cost, outputTokPerSec, costs.hours) : undefined,
    tokPerSecPerWatt: outputTokPerSec / watts,
    tokPerSecPerEurMonth: cost ? outputTokPerSec / cost.totalEurMonth : undefined,
    calibrated, uncertainty, usersServedRange,
    insideNoise: meetsTargets && !meets(atUsers, c.workload, pessimistic),
  };
}
