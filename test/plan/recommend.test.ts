import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu, getModel } from '../../src/catalog/index.js';
import { DEFAULT_COSTS } from '../../src/plan/costs.js';
import { recommend } from '../../src/plan/recommend.js';
import { USE_CASES } from '../../src/plan/use-case.js';

const gpus = ['rtx-3090', 'l40s', 'h100-pcie', 'h100-sxm', 'v100-16g'].map(getGpu);

test('recommendations meet the targets for the users and are ranked by monthly cost', () => {
  const r = recommend({ model: getModel('llama-3.1-8b'), users: 70, workload: USE_CASES.chat, costs: DEFAULT_COSTS, gpus, maxGpus: 4 });
  assert.ok(r.ranked.length >= 3);
  for (const e of r.ranked) {
    assert.equal(e.meetsTargets, true);
    assert.ok(e.usersServed >= 70, `${e.input.gpu.id} serves ${e.usersServed}`);
    assert.ok(e.atUsers.perUserTokPerSec >= 10 && e.atUsers.ttftSec <= 2);
  }
  for (let i = 1; i < r.ranked.length; i++) assert.ok(r.ranked[i]!.cost!.totalEurMonth >= r.ranked[i - 1]!.cost!.totalEurMonth);
  assert.ok(r.unpriced.includes('v100-16g'));
});

test('a purchase budget removes configurations above it', () => {
  const all = recommend({ model: getModel('llama-3.1-8b'), users: 20, workload: USE_CASES.chat, costs: DEFAULT_COSTS, gpus, maxGpus: 2 });
  const cheap = recommend({ model: getModel('llama-3.1-8b'), users: 20, workload: USE_CASES.chat, costs: DEFAULT_COSTS, gpus, maxGpus: 2, budgetEur: 7000 });
  assert.ok(cheap.ranked.length > 0 && cheap.ranked.length < all.ranked.length);
  for (const e of cheap.ranked) assert.ok((e.cost?.purchaseEur ?? Infinity) <= 7000);
});

test('completion is stricter on latency than chat: fewer users per configuration', () => {
  const args = { model: getModel('qwen2.5-coder-7b'), users: 8, costs: DEFAULT_COSTS, gpus: [getGpu('l40s')], maxGpus: 1, engines: ['vllm'] as const };
  const chat = recommend({ ...args, workload: USE_CASES.chat });
  const completion = recommend({ ...args, workload: USE_CASES.completion });
  const best = (r: typeof chat) => Math.max(...r.ranked.map((e) => e.usersServed));
  assert.ok(completion.ranked.length > 0);
  for (const e of completion.ranked) assert.ok(e.atUsers.ttftSec <= 0.5);
  assert.ok(best(completion) < best(chat), `${best(completion)} vs ${best(chat)}`);
});

test('a 70B model needs several GPUs or 4-bit weights', () => {
  const r = recommend({ model: getModel('llama-3.1-70b'), users: 10, workload: USE_CASES.chat, costs: DEFAULT_COSTS, gpus: [getGpu('h100-sxm')], maxGpus: 4, engines: ['vllm'] });
  const bf16 = r.ranked.find((e) => e.input.quant.id === 'bf16');
  const awq = r.ranked.find((e) => e.input.quant.id === 'awq-int4');
  assert.ok(bf16 && bf16.input.gpus >= 2);
  assert.ok(awq && awq.input.gpus === 1);
});
