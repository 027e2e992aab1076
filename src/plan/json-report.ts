// Machine-readable form of an evaluation (snake_case, plain numbers; null where unknown or infinite).
import type { Evaluation } from './evaluate.js';
import { latencyRange, speedRange, type SteadyState, type Uncertainty } from '../perfmodel/index.js';
import type { RentQuote } from './costs.js';
import { unverifiedValues } from './unverified.js';

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const num = (x: number | undefined, digits = 4): number | null =>
  x === undefined || !Number.isFinite(x) ? null : Number(x.toPrecision(digits + 2));

const range = (r: [number, number]): Json => [num(r[0]), num(r[1])];

/** A steady state with the p10–p90 range of each figure (speeds scale with the speed band, times with the latency band). */
function load(s: SteadyState, u: Uncertainty): Json {
  return {
    running: s.running, queued: s.queued, limited_by: s.limitedBy,
    per_user_tok_s: num(s.perUserTokPerSec), per_user_tok_s_range: range(speedRange(s.perUserTokPerSec, u)),
    output_tok_s: num(s.outputTokPerSec), output_tok_s_range: range(speedRange(s.outputTokPerSec, u)),
    itl_s: num(s.itlSec), itl_s_range: range(latencyRange(s.itlSec, u)),
    ttft_s: num(s.ttftSec), ttft_s_range: range(latencyRange(s.ttftSec, u)),
    e2e_s: num(s.e2eSec), e2e_s_range: range(latencyRange(s.e2eSec, u)),
  };
}

export function evaluationJson(e: Evaluation): Json {
  const c = e.input;
  const mem = e.replica.memory;
  const memory: Json = mem.engine === 'vllm'
    ? {
      engine: 'vllm', per_gpu: true, total_bytes: num(mem.detail.totalBytes), budget_bytes: num(mem.detail.budgetBytes),
      weights_bytes: num(mem.detail.weightsBytes), activation_bytes: num(mem.detail.activationBytes),
      reserve_bytes: num(mem.detail.nonTorchBytes), kv_cache_bytes: num(mem.detail.kvCacheBytes), kv_blocks: mem.detail.blocks,
    }
    : {
      engine: 'llamacpp', per_gpu: false, available_bytes: num(mem.detail.availableBytes), weights_bytes: num(mem.detail.weightsBytes),
      kv_cache_bytes: num(mem.detail.kvCacheBytes), compute_buffer_bytes: num(mem.detail.computeBufferBytes),
      reserve_bytes: num(mem.detail.reserveBytes), required_bytes: num(mem.detail.requiredBytes),
    };
  return {
    model: c.model.id, gpu: c.gpu.id, gpus: c.gpus, gpus_per_replica: c.tp, replicas: e.replicas, engine: c.engine, quant: c.quant.id,
    context: c.workload.context, prompt_tokens: c.workload.promptTokens, output_tokens: c.workload.outputTokens,
    users: c.users, targets: { min_tok_s: c.workload.minTps, max_ttft_s: c.workload.maxTtftSec },
    fits: e.fits, not_fit_reason: e.notFitReason ?? null,
    kv_bytes_per_token: e.kvBytesPerToken, kv_bytes_per_request: e.kvBytesPerRequest,
    weights_bytes: num(e.replica.weightsBytes), kv_tokens_per_replica: e.kvTokensPerReplica,
    max_concurrent_at_context: e.maxConcurrentAtContext, memory,
    single_user: load(e.single, e.uncertainty), at_users: e.fits ? load(e.atUsers, e.uncertainty) : null,
    users_served: e.usersServed, users_served_range: [e.usersServedRange[0], e.usersServedRange[1]],
    meets_targets: e.meetsTargets, inside_noise: e.insideNoise,
    output_tok_s: num(e.outputTokPerSec), output_tok_s_range: range(speedRange(e.outputTokPerSec, e.uncertainty)),
    uncertainty: {
      speed: [e.uncertainty.speed.low, e.uncertainty.speed.high], latency: [e.uncertainty.latency.low, e.uncertainty.latency.high],
      source: e.uncertainty.source,
    },
    cost: e.cost
      ? {
        pricing: e.cost.pricing, eur_month: num(e.cost.totalEurMonth), purchase_eur: num(e.cost.purchaseEur),
        amortised_eur_month: num(e.cost.amortisedEurMonth), power_eur_month: num(e.cost.powerEurMonth), rent_eur_month: num(e.cost.rentEurMonth),
        price_source: e.cost.priceSource ?? null,
      }
      : null,
    host: hostJson(e), interconnect: interconnectJson(e), suitability: suitabilityJson(e), rent_vs_buy: rentVsBuyJson(e),
    eur_per_million_tokens: num(e.eurPerMillionTokens), tok_s_per_watt: num(e.tokPerSecPerWatt), tok_s_per_eur_month: num(e.tokPerSecPerEurMonth),
    efficiency: {
      bandwidth: num(e.replica.efficiency.bandwidth), attention_bandwidth: num(e.replica.efficiency.attentionBandwidth),
      compute: num(e.replica.efficiency.compute), layer_overhead_s: num(e.replica.efficiency.layerOverheadSec),
      step_overhead_s: num(e.replica.efficiency.stepOverheadSec), seq_overhead_s: num(e.replica.efficiency.seqOverheadSec),
      source: e.replica.efficiency.source,
    },
    calibrated: e.calibrated,
    unverified: unverifiedValues(e),
  };
}

function hostJson(e: Evaluation): Json {
  const p = e.placement;
  if (!p) return null;
  const h = p.host;
  return {
    id: h.id, name: h.name, segment: h.segment, count: p.hosts, gpus_per_host: p.gpusPerHost, price_eur: h.priceEur, idle_w: h.idleW,
    max_gpus: h.maxGpus, gpus_per_root: h.gpusPerRoot, pcie_gen: h.pcieGen, pcie_lanes_per_gpu: h.pcieLanesPerGpu, ecc: h.ecc, source: h.source,
  };
}

function interconnectJson(e: Evaluation): Json {
  const l = e.replica.link;
  return {
    kind: l.kind, description: l.description, gpus_per_group: e.input.tp, latency_s: num(l.latencySec), bus_bytes_per_s: num(l.busBytesPerSec),
    pcie_gen: l.pcieGen ?? null, lanes: l.lanes ?? null, p2p: l.p2p ?? null, crosses_root: l.crossesRoot ?? null, source: l.source,
  };
}

function suitabilityJson(e: Evaluation): Json {
  const g = e.input.gpu;
  return { segment: g.segment, ecc: g.ecc, form_factor: g.formFactor, cooling: g.cooling, slots: g.slots ?? null, nvlink: g.interconnect === 'nvlink', p2p: g.p2p };
}

function quoteJson(q: RentQuote | undefined): Json {
  if (!q) return null;
  const o = q.offer;
  return {
    eur_month: num(q.eurMonth), eur_per_gpu_hour: num(o.eurPerGpuHour), provider: o.provider, product: o.product, quoted: o.quoted, seen: o.seen,
    term: o.term ?? null, source: o.source, unverified: (o.unverified?.length ?? 0) > 0,
  };
}

/** Buy and rent at the hours of use, and where they meet. */
function rentVsBuyJson(e: Evaluation): Json {
  const { hours, buy, rent, breakEven } = e.costs;
  return {
    hours: { per_day: hours.hoursPerDay, days_per_week: hours.daysPerWeek, per_month: num(hours.perMonth), utilisation: num(hours.utilisation) },
    buy: buy
      ? {
        eur_month: num(buy.totalEurMonth), purchase_eur: num(buy.purchaseEur), gpu_purchase_eur: num(buy.gpuPurchaseEur),
        host_purchase_eur: num(buy.hostPurchaseEur), amortised_eur_month: num(buy.amortisedEurMonth), gpu_power_eur_month: num(buy.gpuPowerEurMonth),
        host_power_eur_month: num(buy.hostPowerEurMonth), power_eur_month: num(buy.powerEurMonth),
      }
      : null,
    rent: rent
      ? { eur_month: num(rent.best.eurMonth), kind: rent.best.kind, on_demand: quoteJson(rent.onDemand), reserved: quoteJson(rent.reserved), spot: quoteJson(rent.spot) }
      : null,
    break_even: breakEven ? { utilisation: num(breakEven.utilisation ?? undefined), hours_per_day: num(breakEven.hoursPerDay ?? undefined) } : null,
  };
}
