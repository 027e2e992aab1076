// `--explain`: the arithmetic behind an evaluation, step by step, with the numbers used.
import { peakTflops, RIDGE_SHARPNESS, stepBytes, stepFlops, stepTerms, type StepParts, type StepTerms } from '../perfmodel/index.js';
import type { StepWork } from '../perfmodel/types.js';
import { explainCosts } from './explain-costs.js';
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
  out.push(...hostLines(e));

  const eff = r.efficiency;
  const parts: StepParts = { gpu: c.gpu, model: m, quant: q, engine: c.engine, gpus: c.tp, efficiency: eff, link: r.link };
  const parallel = c.engine === 'llamacpp' ? 1 : c.tp;
  line(`Speed (efficiency: bandwidth ${eff.bandwidth.toFixed(3)}, compute ${eff.compute.toFixed(3)}, ${(eff.layerOverheadSec * 1e6).toFixed(0)} µs/layer + ${ms(eff.stepOverheadSec)}/step; ${eff.source})`);
  const ctx = c.workload.promptTokens + c.workload.outputTokens / 2;
  const decode: StepWork = { prefillTokens: 0, prefillContextTokens: 0, decodeSeqs: 1, decodeContextTokens: ctx };
  line(`  one decode step, 1 user at ${ctx} tokens of context (${gib(stepBytes(parts, decode))} read):`);
  for (const t of termLines(stepTerms(parts, decode), parts, 1)) line(`    ${t}`);
  line(`  with the prompt's prefill spread over the ${c.workload.outputTokens} output tokens → ${ms(e.single.itlSec)} per token = ${e.single.perUserTokPerSec.toFixed(1)} tok/s`);
  const prefill: StepWork = { prefillTokens: c.workload.promptTokens, prefillContextTokens: 0, decodeSeqs: 0, decodeContextTokens: 0 };
  const flops = stepFlops(m, prefill);
  const tflops = peakTflops(c.gpu, q);
  line(`  prefill ${c.workload.promptTokens} tokens: 2 × ${big(m.activeParams)} active params × tokens + attention = ${big(flops)} FLOPs / ${parallel} GPU(s) / (${tflops} TFLOPS × ${eff.compute.toFixed(3)}) = ${ms(flops / parallel / (tflops * 1e12 * eff.compute))}, in chunks of ${r.maxBatchedTokens} → TTFT ${ms(e.single.idleTtftSec)}`);
  const s = e.atUsers;
  line(`  at ${e.usersPerReplica} user(s) per replica: ${s.running} running, ${s.queued} queued (limited by ${s.limitedBy}); each step decodes all running requests and prefills new prompts`);
  const batch: StepWork = { prefillTokens: 0, prefillContextTokens: 0, decodeSeqs: s.running, decodeContextTokens: s.running * ctx };
  line(`  one decode step of ${s.running} requests at ${ctx} tokens of context each:`);
  for (const t of termLines(stepTerms(parts, batch), parts, s.running)) line(`    ${t}`);
  const p = s.parts;
  line(p.chunkedPrefill
    ? `    + other requests' prompts in chunks of ≤ ${r.maxBatchedTokens} tokens beside the decodes (chunked prefill): ${ms(p.prefillPerTokenSec)} per output token`
    : `    + other requests' prompts in steps of their own, every running request waiting (no chunked prefill): ${ms(p.prefillPerTokenSec)} per output token`);
  if (p.preemptionsPerRound > 0) {
    line(`    KV cache full: ≈ ${p.preemptionsPerRound.toFixed(1)} preemptions per ${s.running} completions, ${p.recomputeTokensPerRound.toFixed(0)} tokens recomputed (included above)`);
  }
  line(`  → ${ms(s.itlSec)} per token = ${s.perUserTokPerSec.toFixed(1)} tok/s per user, TTFT ${s.ttftSec.toFixed(2)} s, ${s.outputTokPerSec.toFixed(0)} tok/s per replica`);
  const u = e.uncertainty;
  line(`  range (p10–p90, ${u.source}): speeds × ${u.speed.low}–${u.speed.high}, latencies × ${u.latency.low}–${u.latency.high}`);
  line(`  targets ≥ ${c.workload.minTps} tok/s and TTFT ≤ ${c.workload.maxTtftSec} s: ${e.meetsTargets ? 'met' : 'NOT met'}; users served: ${e.usersServed}`);

  out.push(...explainCosts(e));
  return out;
}

/** Each term of a step with the numbers behind it. */
function termLines(t: StepTerms, p: StepParts, seqs: number): string[] {
  const e = p.efficiency;
  const tp = p.engine === 'llamacpp' ? 1 : p.gpus;
  const out = [
    `fixed: ${ms(e.stepOverheadSec)} per step + ${p.model.layers} layers × ${(e.layerOverheadSec * 1e6).toFixed(0)} µs = ${ms(t.fixedSec)}`,
    `per sequence (CPU scheduling, sampling, detokenising): ${seqs} × ${(e.seqOverheadSec * 1e6).toFixed(0)} µs = ${ms(t.perSeqSec)}`,
    `linear layers: weights ${ms(t.linearMemorySec)} (${p.gpu.bandwidthGBs} GB/s × ${tp} GPU(s) × ${e.bandwidth.toFixed(2)}) vs compute ${ms(t.linearComputeSec)} (${peakTflops(p.gpu, p.quant)} TFLOPS × ${e.compute.toFixed(2)}${p.quant.computeShare !== undefined ? ` × ${p.quant.computeShare}` : ''}) → ${ms(t.linearSec)} (${t.linearComputeSec > t.linearMemorySec ? 'past the ridge point: compute-bound' : 'memory-bound'}; (memᵏ + computeᵏ)^(1/k), k = ${RIDGE_SHARPNESS})`,
    `attention over the KV of every sequence: ${ms(t.attentionMemorySec)} (bandwidth × ${e.attentionBandwidth.toFixed(2)}) vs ${ms(t.attentionComputeSec)} compute → ${ms(t.attentionSec)}`,
  ];
  if (p.gpus > 1 && p.link) {
    const link = p.link;
    out.push(tp > 1
      ? `tensor parallel over ${link.description}: 2 all-reduces × ${p.model.layers} layers × (${(link.latencySec * 1e6).toFixed(0)} µs + 2(n−1)/n × ${seqs} token(s) × ${p.model.hidden} × 2 bytes / ${(link.busBytesPerSec / 1e9).toFixed(1)} GB/s) = ${ms(t.commSec)}`
      : `layer split hand-offs: ${ms(t.commSec)}`);
  }
  out.push(`= ${ms(t.totalSec)} per step`);
  return out;
}

/** The hosts the GPUs go into and the link tensor parallelism uses there. */
function hostLines(e: Evaluation): string[] {
  const p = e.placement;
  const c = e.input;
  if (!p) return [];
  const h = p.host;
  const out = [
    `Host`,
    `  ${c.gpus} × ${c.gpu.id} in groups of ${c.tp}: ${p.hosts} × ${h.id} (${h.name}), ${p.gpusPerHost} GPU(s) per host`,
    `  ${h.id}: ${h.priceEur} € without GPUs, ${h.idleW} W idle, ${h.gpuPowerW} W for GPUs, PCIe ${h.pcieGen}.0 x${h.pcieLanesPerGpu} per GPU, ${h.gpusPerRoot} GPU(s) per CPU/switch root${h.ecc ? ', ECC RAM' : ''} (${h.source})`,
    `  ${c.gpu.id}: ${c.gpu.segment}, ${c.gpu.formFactor}${c.gpu.slots ? ` ${c.gpu.slots}-slot` : ''}, ${c.gpu.cooling} cooling, ${c.gpu.ecc ? 'ECC' : 'no ECC'}, ${c.gpu.interconnect === 'nvlink' ? 'NVLink' : c.gpu.p2p ? 'PCIe peer-to-peer' : 'no peer-to-peer'}`,
  ];
  if (c.tp > 1 && c.engine !== 'llamacpp') {
    const l = e.replica.link;
    out.push(`  tensor parallelism over ${l.description}: ${(l.busBytesPerSec / 1e9).toFixed(1)} GB/s bus bandwidth, ${(l.latencySec * 1e6).toFixed(0)} µs per all-reduce (${l.source})`);
  }
  return out;
}
