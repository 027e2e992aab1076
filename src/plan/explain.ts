// `--explain`: the arithmetic behind an evaluation, step by step, with the numbers used.
import { peakTflops, stepBytes, stepFlops, type StepParts } from '../perfmodel/index.js';
import type { StepWork } from '../perfmodel/types.js';
import { AMORTISATION_MONTHS, HOURS_PER_MONTH } from './costs.js';
import type { Evaluation } from './evaluate.js';

const GiB = 1024 ** 3;
const gib = (b: number): string => `${(b / GiB).toFixed(2)} GiB`;
const ms = (s: number): string => `${(s * 1e3).toFixed(2)} ms`;
const big = (x: number): string => x.toExponential(3);

export function explain(e: Evaluation): string[] {
  const c = e.input;
  const m = c.model;
  const q = c.quant;
  const r = e.replica;
  const out: string[] = [];
  const line = (s: string): void => {
    out.push(s);
  };

  line(`Memory`);
  if (q.embeddingBits === undefined) {
    line(`  weights = ${big(m.params)} params × ${q.bitsPerWeight} bits / 8 = ${gib(r.weightsBytes)}`);
  } else {
    line(`  weights = (params − embeddings) × ${q.bitsPerWeight} bits / 8 + embeddings/head × ${q.embeddingBits} bits / 8 = ${gib(r.weightsBytes)}`);
  }
  line(`  KV per token = 2 (K,V) × ${m.layers} layers × ${m.kvHeads} KV heads × ${m.headDim} head_dim × 2 bytes = ${r.kvBytesPerToken} bytes`);
  if (m.slidingWindow !== undefined) {
    line(`  ${m.slidingLayers ?? 0} of ${m.layers} layers use a ${m.slidingWindow}-token window: a ${c.workload.context}-token request needs ${gib(e.kvBytesPerRequest)}`);
  } else {
    line(`  KV per request at ${c.workload.context} tokens = ${gib(e.kvBytesPerRequest)}`);
  }
  const mem = r.memory;
  if (mem.engine === 'vllm') {
    const d = mem.detail;
    line(`  per GPU (tensor parallel ${c.tp}): budget = ${r.spec.gpuMemoryUtilization ?? 0.9} × ${gib(d.totalBytes)} = ${gib(d.budgetBytes)}`);
    line(`  KV cache = budget − weights ${gib(d.weightsBytes)} − activation peak ${gib(d.activationBytes)} (${r.maxBatchedTokens} batched tokens) − non-torch ${gib(d.nonTorchBytes)} = ${gib(d.kvCacheBytes)}`);
    line(`  blocks = ${gib(d.kvCacheBytes)} / (${d.kvBytesPerTokenPerGpu} bytes/token/GPU × ${r.blockSize}) = ${d.blocks} → ${e.kvTokensPerReplica} tokens per replica`);
  } else {
    const d = mem.detail;
    line(`  llama.cpp, ${r.maxNumSeqs} slot(s) sharing n_ctx ${r.maxModelLen}: weights ${gib(d.weightsBytes)} + KV ${gib(d.kvCacheBytes)} + compute buffer ${gib(d.computeBufferBytes)} + reserve ${gib(d.reserveBytes)} = ${gib(d.requiredBytes)} of ${gib(d.availableBytes)}`);
  }
  line(`  fits: ${e.fits ? 'yes' : `no — ${e.notFitReason ?? ''}`}`);
  if (!e.fits) return out;
  line(`  requests at full context held at once: ${e.maxConcurrentAtContext} (${e.replicas} replica(s))`);

  const eff = r.efficiency;
  const parts: StepParts = { gpu: c.gpu, model: m, quant: q, engine: c.engine, gpus: c.tp, efficiency: eff };
  const parallel = c.engine === 'llamacpp' ? 1 : c.tp;
  line(`Speed (efficiency: bandwidth ${eff.bandwidth.toFixed(3)}, compute ${eff.compute.toFixed(3)}, ${(eff.layerOverheadSec * 1e6).toFixed(0)} µs/layer + ${ms(eff.stepOverheadSec)}/step; ${eff.source})`);
  const ctx = c.workload.promptTokens + c.workload.outputTokens / 2;
  const decode: StepWork = { prefillTokens: 0, prefillContextTokens: 0, decodeSeqs: 1, decodeContextTokens: ctx };
  const bytes = stepBytes(parts, decode);
  line(`  one decode step, 1 user at ${ctx} tokens of context: reads ${gib(bytes)} (weights + KV) / ${parallel} GPU(s) / (${c.gpu.bandwidthGBs} GB/s × ${eff.bandwidth.toFixed(3)}) = ${ms(bytes / parallel / (c.gpu.bandwidthGBs * 1e9 * eff.bandwidth))}`);
  line(`  + overheads ${ms(m.layers * eff.layerOverheadSec + eff.stepOverheadSec)} = ${ms(r.stepSeconds(decode))} per step; with the prompt's prefill spread over the ${c.workload.outputTokens} output tokens → ${ms(e.single.itlSec)} per token = ${e.single.perUserTokPerSec.toFixed(1)} tok/s`);
  const prefill: StepWork = { prefillTokens: c.workload.promptTokens, prefillContextTokens: 0, decodeSeqs: 0, decodeContextTokens: 0 };
  const flops = stepFlops(m, prefill);
  const tflops = peakTflops(c.gpu, q);
  line(`  prefill ${c.workload.promptTokens} tokens: 2 × ${big(m.activeParams)} active params × tokens + attention = ${big(flops)} FLOPs / ${parallel} GPU(s) / (${tflops} TFLOPS × ${eff.compute.toFixed(3)}) = ${ms(flops / parallel / (tflops * 1e12 * eff.compute))}, in chunks of ${r.maxBatchedTokens} → TTFT ${ms(e.single.idleTtftSec)}`);
  const s = e.atUsers;
  line(`  at ${e.usersPerReplica} user(s) per replica: ${s.running} running, ${s.queued} queued (limited by ${s.limitedBy}); each step decodes all running requests and prefills new prompts`);
  line(`  → ${ms(s.itlSec)} per token = ${s.perUserTokPerSec.toFixed(1)} tok/s per user, TTFT ${s.ttftSec.toFixed(2)} s, ${s.outputTokPerSec.toFixed(0)} tok/s per replica`);
  line(`  targets ≥ ${c.workload.minTps} tok/s and TTFT ≤ ${c.workload.maxTtftSec} s: ${e.meetsTargets ? 'met' : 'NOT met'}; users served: ${e.usersServed}`);

  line(`Cost`);
  const cost = e.cost;
  if (!cost) {
    line(`  no ${c.costs.pricing === 'rent' ? 'rental' : 'purchase'} price for ${c.gpu.id} in the catalog`);
  } else if (cost.pricing === 'rent') {
    line(`  rent ${c.gpus} × ${c.gpu.rentEurMonth ?? 0} €/month = ${cost.totalEurMonth.toFixed(0)} €/month`);
  } else {
    line(`  purchase ${c.gpus} × ${c.gpu.priceEur ?? 0} € = ${(cost.purchaseEur ?? 0).toFixed(0)} € / ${AMORTISATION_MONTHS} months = ${(cost.amortisedEurMonth ?? 0).toFixed(0)} €/month`);
    line(`  power ${c.gpus} × ${c.gpu.tdpW} W × ${c.costs.powerShare} × ${HOURS_PER_MONTH} h × ${c.costs.eurPerKwh} €/kWh = ${(cost.powerEurMonth ?? 0).toFixed(0)} €/month`);
  }
  if (cost && e.eurPerMillionTokens !== undefined) {
    line(`  ${cost.totalEurMonth.toFixed(0)} €/month / (${e.outputTokPerSec.toFixed(0)} tok/s × ${HOURS_PER_MONTH * 3600} s) = ${e.eurPerMillionTokens.toFixed(3)} € per million output tokens at this load`);
  }
  return out;
}
