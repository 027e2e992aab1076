// Host costs: GPUs go into hosts (chassis, CPUs, RAM, power supplies); more GPUs than a host holds pay for more hosts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu, getHost, getModel, getQuant } from '../../src/catalog/index.js';
import { DEFAULT_COSTS } from '../../src/plan/costs.js';
import { evaluate, type ConfigInput } from '../../src/plan/evaluate.js';
import { explain } from '../../src/plan/explain.js';
import { evaluationJson } from '../../src/plan/json-report.js';
import { USE_CASES } from '../../src/plan/use-case.js';

function config(gpu: string, gpus: number, tp: number, o: Partial<ConfigInput> = {}): ConfigInput {
  return {
    gpu: getGpu(gpu), model: getModel('llama-3.1-8b'), quant: getQuant('bf16'), engine: 'vllm', gpus, tp, workload: USE_CASES.chat,
    users: 20, costs: DEFAULT_COSTS, ...o,
  };
}

test('a configuration needing two hosts costs two hosts', () => {
  // RTX 6000 Ada: 7,000 € and 300 W each; the 4-GPU workstation 6,000 € and 150 W idle.
  const six = evaluate(config('rtx-6000-ada', 6, 2));
  assert.equal(six.placement?.host.id, 'workstation-4');
  assert.equal(six.placement?.hosts, 2);
  const buy = six.costs.buy!;
  assert.equal(buy.gpuPurchaseEur, 42000);
  assert.equal(buy.hostPurchaseEur, 12000);
  // (6 × 7,000 + 2 × 6,000) / 36 = 1,500; GPUs 6 × 300 W × 0.7 × 730 h × 0.25 €/kWh = 229.95; hosts 2 × 150 W × 730 h × 0.25 = 54.75.
  assert.ok(Math.abs(buy.totalEurMonth - (1500 + 229.95 + 54.75)) < 1e-6, String(buy.totalEurMonth));
  const four = evaluate(config('rtx-6000-ada', 4, 2));
  assert.equal(four.placement?.hosts, 1);
  assert.equal(four.costs.buy?.hostPurchaseEur, 6000);
  assert.ok(six.cost!.totalEurMonth - four.cost!.totalEurMonth > 6000 / 36, 'the fifth GPU brings a second host');
});

test('tensor parallelism stays inside one host; replicas spread over hosts', () => {
  const tp8 = evaluate(config('rtx-4090', 8, 8));
  assert.equal(tp8.fits, false);
  assert.match(tp8.notFitReason ?? '', /tensor parallelism stays inside one host: 8 × rtx-4090 in one group, but the largest host for it takes 4/);
  const replicas = evaluate(config('rtx-4090', 8, 2));
  assert.equal(replicas.fits, true);
  assert.equal(replicas.placement?.hosts, 2);
  assert.equal(evaluate(config('rtx-6000-ada', 8, 8)).placement?.host.id, 'server-8', 'blower cards also go in an 8-GPU server');
});

test('each card goes where it physically fits: SXM on HGX boards, passive cards in servers, consumer cards in desktops or rigs', () => {
  assert.equal(evaluate(config('h100-sxm', 2, 2)).placement?.host.id, 'hgx-4');
  assert.equal(evaluate(config('h100-sxm', 8, 8)).placement?.host.id, 'hgx-8');
  assert.equal(evaluate(config('l40s', 4, 1)).placement?.host.id, 'server-4');
  assert.equal(evaluate(config('l40s', 8, 2)).placement?.host.id, 'server-8', 'one 8-GPU server costs less than two 4-GPU ones');
  const rig = evaluate(config('rtx-4090', 8, 2));
  assert.deepEqual([rig.placement?.host.id, rig.placement?.hosts], ['open-frame-4', 2]);
  const mac = evaluate(config('m2-ultra', 2, 1, { engine: 'llamacpp', quant: getQuant('q4_k_m') }));
  assert.deepEqual([mac.placement?.host.id, mac.placement?.hosts, mac.costs.buy?.hostPurchaseEur], ['integrated', 2, 0]);
  const forced = evaluate(config('l40s', 2, 1, { host: getHost('server-8') }));
  assert.equal(forced.placement?.host.id, 'server-8');
  assert.match(evaluate(config('l40s', 1, 1, { host: getHost('desktop-2') })).notFitReason ?? '', /host 'desktop-2' does not take l40s \(pcie, passive cooling/);
});

test('--explain and --json show the host', () => {
  const e = evaluate(config('rtx-6000-ada', 6, 2));
  const text = explain(e).join('\n');
  assert.match(text, /Host\n {2}6 × rtx-6000-ada in groups of 2: 2 × workstation-4 .*, 4 GPU\(s\) per host/);
  assert.match(text, /buy: GPUs 6 × 7000 € \+ hosts 2 × 6000 € \(workstation-4\) = 54000 € \/ 36 months = 1500 €\/month/);
  assert.match(text, /host power: 2 × 150 W × 730 h × 0.25 €\/kWh = 55 €\/month/);
  const j = evaluationJson(e) as { host: { id: string; count: number; price_eur: number }; rent_vs_buy: { buy: { host_purchase_eur: number } } };
  assert.deepEqual([j.host.id, j.host.count, j.host.price_eur, j.rent_vs_buy.buy.host_purchase_eur], ['workstation-4', 2, 6000, 12000]);
});
