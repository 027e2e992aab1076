import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu, getModel, getQuant } from '../../src/catalog/index.js';
import { DEFAULT_COSTS } from '../../src/plan/costs.js';
import { evaluate, type ConfigInput } from '../../src/plan/evaluate.js';
import { explain } from '../../src/plan/explain.js';
import { evaluationJson } from '../../src/plan/json-report.js';
import { USE_CASES } from '../../src/plan/use-case.js';

function config(o: Partial<ConfigInput> & { gpuId?: string; modelId?: string; quantId?: string }): ConfigInput {
  return {
    gpu: getGpu(o.gpuId ?? 'l40s'), model: getModel(o.modelId ?? 'llama-3.1-8b'), quant: getQuant(o.quantId ?? 'bf16'),
    engine: 'vllm', gpus: 1, tp: 1, workload: USE_CASES.chat, users: 10, costs: DEFAULT_COSTS, ...o,
  };
}

test('JSON report carries fits and kv_bytes_per_token', () => {
  const j = evaluationJson(evaluate(config({}))) as Record<string, unknown>;
  assert.equal(j.fits, true);
  assert.equal(j.kv_bytes_per_token, 131072);
  const no = evaluationJson(evaluate(config({ gpuId: 'h100-sxm', modelId: 'llama-3.1-70b' }))) as Record<string, unknown>;
  assert.equal(no.fits, false);
  assert.equal(no.kv_bytes_per_token, 327680);
  assert.equal(no.users_served, 0);
  assert.equal(JSON.parse(JSON.stringify(no)).fits, false);
});

test('JSON report carries p10–p90 ranges around each figure', () => {
  const j = evaluationJson(evaluate(config({ users: 40 }))) as Record<string, unknown>;
  const at = j.at_users as Record<string, unknown>;
  for (const k of ['per_user_tok_s', 'output_tok_s', 'itl_s', 'ttft_s', 'e2e_s']) {
    const v = at[k] as number;
    const [lo, hi] = at[`${k}_range`] as [number, number];
    assert.ok(lo < v && v < hi, `${k}: ${lo} < ${v} < ${hi}`);
  }
  const [ulo, uhi] = j.users_served_range as [number, number];
  assert.ok(ulo <= (j.users_served as number) && (j.users_served as number) <= uhi && ulo < uhi);
  assert.equal(typeof j.inside_noise, 'boolean');
  assert.match((j.uncertainty as { source: string }).source, /leave-one-source-out/);
});

test('70B: bf16 does not fit one 80 GB GPU, AWQ 4-bit does and serves users', () => {
  const awq = evaluate(config({ gpuId: 'h100-sxm', modelId: 'llama-3.1-70b', quantId: 'awq-int4' }));
  assert.equal(awq.fits, true);
  assert.ok(awq.usersServed >= 1);
  assert.ok(awq.single.perUserTokPerSec > 20 && awq.single.perUserTokPerSec < 100, `${awq.single.perUserTokPerSec}`);
});

test('more GPUs serve more users; replicas split users', () => {
  const one = evaluate(config({ users: 40 }));
  const two = evaluate(config({ gpus: 2, tp: 1, users: 40 }));
  assert.equal(two.replicas, 2);
  assert.equal(two.usersPerReplica, 20);
  assert.ok(two.usersServed >= 2 * one.usersServed - 1);
  assert.ok(two.atUsers.perUserTokPerSec > one.atUsers.perUserTokPerSec);
});

test('users served is the largest count meeting both targets', () => {
  const e = evaluate(config({ gpuId: 'rtx-3090' }));
  const at = evaluate(config({ gpuId: 'rtx-3090', users: e.usersServed }));
  const beyond = evaluate(config({ gpuId: 'rtx-3090', users: e.usersServed + 1 }));
  assert.equal(at.meetsTargets, true);
  assert.equal(beyond.meetsTargets, false);
});

test('llama.cpp gives each user a slot sharing n_ctx, so KV grows with users', () => {
  const c = { engine: 'llamacpp' as const, quantId: 'q4_k_m', gpuId: 'rtx-3060-12g' };
  const few = evaluate(config({ ...c, users: 2 }));
  const many = evaluate(config({ ...c, users: 12 }));
  assert.equal(few.fits, true);
  assert.equal(many.fits, false);
  assert.match(many.notFitReason ?? '', /GiB/);
});

test('cost: GPU and host purchase over 36 months plus power; rent when asked; per-million-token cost from throughput', () => {
  const buy = evaluate(config({}));
  assert.ok(buy.cost && buy.cost.pricing === 'buy');
  assert.equal(buy.placement?.host.id, 'server-2');
  // One L40S (6,600 €) in a 2-GPU server (7,000 €, 150 W idle), around the clock.
  const expected = (6600 + 7000) / 36 + (350 * 0.7 * 730 * 0.25) / 1000 + (150 * 730 * 0.25) / 1000;
  assert.ok(Math.abs(buy.cost.totalEurMonth - expected) < 1e-6);
  const rent = evaluate(config({ costs: { ...DEFAULT_COSTS, pricing: 'rent' } }));
  // On demand ($1.09/h × 0.924 €/$ × 730 h) is cheaper than the 1,000 €/month reserved offer.
  assert.ok(Math.abs((rent.cost?.totalEurMonth ?? 0) - 1.007 * 730) < 1e-6);
  assert.equal(rent.costs.rent?.best.kind, 'on-demand');
  assert.equal(evaluate(config({ gpuId: 'rtx-6000-ada', costs: { ...DEFAULT_COSTS, pricing: 'rent' } })).cost, undefined);
  const perMillion = buy.cost.totalEurMonth / ((buy.outputTokPerSec * 730 * 3600) / 1e6);
  assert.ok(Math.abs((buy.eurPerMillionTokens ?? 0) - perMillion) < 1e-9);
});

test('--explain shows the arithmetic with the numbers used', () => {
  const text = explain(evaluate(config({ gpuId: 'rtx-3090' }))).join('\n');
  assert.match(text, /KV per token = 2 \(K,V\) × 32 layers × 8 KV heads × 128 head_dim × 2 bytes = 131072 bytes/);
  assert.match(text, /blocks = .* = \d+ → \d+ tokens/);
  assert.match(text, /936 GB\/s/);
  assert.match(text, /€\/month/);
});
