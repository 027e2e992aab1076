// The tensor-parallel link: NVLink, or PCIe by generation, lanes, peer-to-peer and CPU roots — and what it costs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu, getHost, getModel, getQuant } from '../../src/catalog/index.js';
import { linkFor, LINKS } from '../../src/perfmodel/index.js';
import { DEFAULT_COSTS } from '../../src/plan/costs.js';
import { evaluate } from '../../src/plan/evaluate.js';
import { explain } from '../../src/plan/explain.js';
import { evaluationJson } from '../../src/plan/json-report.js';
import { recommend } from '../../src/plan/recommend.js';
import { USE_CASES } from '../../src/plan/use-case.js';

const near = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

test('PCIe bus bandwidth follows generation and lanes; no peer-to-peer and crossing CPU roots each halve it', () => {
  // 4.0 x16 with P2P is the 20 GB/s NCCL reaches; 5.0 doubles the lanes' rate.
  assert.ok(near(linkFor(getGpu('a100-80g-pcie')).busBytesPerSec, 20e9));
  assert.ok(near(linkFor(getGpu('h100-pcie')).busBytesPerSec, 40e9));
  assert.ok(near(linkFor(getGpu('h100-pcie'), getHost('server-4'), 2).busBytesPerSec, 40e9));
  // GeForce in a desktop: x8/x8 and staged through host memory: 20 × 8/16 × 0.5 = 5 GB/s, 20 + 10 µs.
  const desk = linkFor(getGpu('rtx-4090'), getHost('desktop-2'), 2);
  assert.ok(near(desk.busBytesPerSec, 5e9));
  assert.ok(near(desk.latencySec, 30e-6));
  assert.equal(desk.description, 'PCIe 4.0 x8, no peer-to-peer (through host memory)');
  // Eight L40S behind two PCIe switches: a group of 4 stays under one, a group of 8 crosses (10 GB/s, 25 µs).
  assert.equal(linkFor(getGpu('l40s'), getHost('server-8'), 4).crossesRoot, false);
  const wide = linkFor(getGpu('l40s'), getHost('server-8'), 8);
  assert.deepEqual([wide.crossesRoot, wide.busBytesPerSec, wide.latencySec * 1e6], [true, 10e9, 25]);
  // NVLink does not depend on the host.
  assert.equal(linkFor(getGpu('h100-sxm'), getHost('hgx-8'), 8), LINKS.nvlink);
});

test('TP 8 over PCIe is slower than 4 replicas of TP 2 where both fit', () => {
  const base = {
    gpu: getGpu('l40s'), model: getModel('llama-3.1-70b'), quant: getQuant('awq-int4'), engine: 'vllm' as const, gpus: 8,
    workload: USE_CASES.chat, users: 50, costs: DEFAULT_COSTS, host: getHost('server-8'),
  };
  const tp8 = evaluate({ ...base, tp: 8 });
  const tp2 = evaluate({ ...base, tp: 2 });
  assert.ok(tp8.fits && tp2.fits);
  assert.ok(tp8.atUsers.perUserTokPerSec < tp2.atUsers.perUserTokPerSec, `${tp8.atUsers.perUserTokPerSec} vs ${tp2.atUsers.perUserTokPerSec}`);
  assert.ok(tp8.outputTokPerSec < 0.75 * tp2.outputTokPerSec, `${tp8.outputTokPerSec} vs ${tp2.outputTokPerSec}`);
  assert.ok(tp8.usersServed < tp2.usersServed, `${tp8.usersServed} vs ${tp2.usersServed}`);
  assert.equal(tp8.cost?.totalEurMonth, tp2.cost?.totalEurMonth, 'same hardware, same price');
  // The all-reduces are what TP 8 pays: every step of 50 requests crosses the switches 160 times.
  const text = explain(tp8).join('\n');
  assert.match(text, /tensor parallel over PCIe 4\.0 x16, peer-to-peer, across 4-GPU roots: 2 all-reduces × 80 layers × \(25 µs \+ 2\(n−1\)\/n × 50 token\(s\) × 8192 × 2 bytes \/ 10\.0 GB\/s\)/);
  const j = evaluationJson(tp8) as { interconnect: { kind: string; crosses_root: boolean; bus_bytes_per_s: number; gpus_per_group: number } };
  assert.deepEqual([j.interconnect.kind, j.interconnect.crosses_root, j.interconnect.bus_bytes_per_s, j.interconnect.gpus_per_group], ['pcie', true, 1e10, 8]);
});

test('recommendations prefer replicas over tensor parallelism when a replica holds the model', () => {
  // Two H100 SXM for 400 users of Llama-3.1-8B: TP 2 over NVLink serves a few more, two replicas serve enough.
  const r = recommend({
    model: getModel('llama-3.1-8b'), users: 400, workload: USE_CASES.chat, costs: DEFAULT_COSTS, gpus: [getGpu('h100-sxm')],
    engines: ['vllm'], quants: [getQuant('bf16')], maxGpus: 2,
  });
  const best = r.ranked[0];
  assert.deepEqual([best?.input.gpus, best?.input.tp, best?.replicas], [2, 1, 2]);
  const tp2 = evaluate({ ...best!.input, tp: 2 });
  assert.ok(tp2.usersServed > best!.usersServed, 'TP 2 alone would serve more, but not a quarter more');
});
