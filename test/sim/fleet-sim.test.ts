import { test } from 'node:test';
import assert from 'node:assert/strict';
import { simulateFleet } from '../../src/sim/fleet-sim.js';
import { parseWorkload } from '../../src/sim/workload.js';
import { createPolicy } from '../../src/router/policies/index.js';
import { fixtureModel } from './fixture-model.js';

const fleet = (n: number) => Array.from({ length: n }, () => fixtureModel({ kvBlocks: 2000 }));

test('closed loop at concurrency 1: latencies follow the step times exactly', () => {
  const w = parseWorkload({ requests: 20, arrival: { concurrency: 1 }, prompt: 100, output: 11 });
  const r = simulateFleet({ replicas: fleet(1), workload: w, policy: createPolicy('round-robin') });
  assert.equal(r.completed, 20);
  assert.ok(Math.abs(r.ttft.p50 - 0.015) < 1e-9, String(r.ttft.p50));
  assert.ok(Math.abs(r.itl.p50 - 0.0052) / 0.0052 < 0.01, String(r.itl.p50));
  assert.ok(Math.abs(r.e2e.p50 - (0.015 + 10 * 0.0052)) < 1e-9);
  assert.equal(r.queue.max, 0);
});

test('shared-prefix groups produce prefix-cache hits; unique prompts do not', () => {
  const base = { requests: 400, arrival: { rate: 50 }, prompt: 200, output: 20 };
  const shared = simulateFleet({
    replicas: fleet(2),
    workload: parseWorkload({ ...base, prefix: { groups: 4, tokens: 1600 } }),
    policy: createPolicy('round-robin'),
  });
  const unique = simulateFleet({ replicas: fleet(2), workload: parseWorkload(base), policy: createPolicy('round-robin') });
  assert.equal(unique.prefixCache.hits, 0);
  assert.ok(shared.prefixCache.hitRate > 0.75, `hit rate ${shared.prefixCache.hitRate}`);
  assert.ok(shared.ttft.p50 < unique.ttft.p50 * 2);
});

test('multi-turn chats hit their own history, outputs included', () => {
  const w = parseWorkload({ requests: 300, arrival: { rate: 5 }, prompt: 100, output: 100, turns: 5, think: 'exp:1' });
  const r = simulateFleet({ replicas: fleet(1), workload: w, policy: createPolicy('round-robin') });
  assert.equal(r.completed, 300);
  // Turn k re-sends ~200k tokens of history out of ~200k+100: most of it cached.
  assert.ok(r.prefixCache.hitRate > 0.5, `hit rate ${r.prefixCache.hitRate}`);
});

test('least-loaded beats round-robin on uneven requests', () => {
  const w = { requests: 2000, arrival: { rate: 120 }, prompt: 'lognormal:300:1', output: 'lognormal:100:1.2', seed: 3 };
  const rr = simulateFleet({ replicas: fleet(4), workload: parseWorkload(w), policy: createPolicy('round-robin') });
  const ll = simulateFleet({ replicas: fleet(4), workload: parseWorkload(w), policy: createPolicy('least-loaded') });
  for (const r of [rr, ll]) {
    assert.equal(r.sent + r.dropped, 2000, 'prompts beyond the context are dropped');
    assert.equal(r.completed + r.rejected, r.sent);
  }
  assert.ok(ll.e2e.p99 <= rr.e2e.p99, `ll ${ll.e2e.p99} rr ${rr.e2e.p99}`);
});

test('the same seed gives the same result', () => {
  const w = parseWorkload({ requests: 500, arrival: { rate: 100 }, prompt: 'uniform:10:1000', output: 'exp:50', seed: 9 });
  const a = simulateFleet({ replicas: fleet(3), workload: w, policy: createPolicy('least-loaded') });
  const b = simulateFleet({ replicas: fleet(3), workload: w, policy: createPolicy('least-loaded') });
  assert.deepEqual({ ...a, wallSeconds: 0 }, { ...b, wallSeconds: 0 });
});

test('workload errors name the field', () => {
  assert.throws(() => parseWorkload({ requests: 5, arrival: { rate: 1 }, prompt: 'gauss:1', output: 5 }), /prompt.*unknown kind/);
  assert.throws(() => parseWorkload({ requests: 5, arrival: {}, prompt: 5, output: 5 }), /arrival/);
});
