import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leastLoaded } from '../../../src/router/policies/least-loaded.js';
import type { ReplicaLoad } from '../../../src/router/policies/policy.js';

const req = { promptTokens: 100, prefixHashes: [] };
const load = (inFlight: number, kvUsage = 0): ReplicaLoad => ({ inFlight, waiting: 0, running: inFlight, kvUsage });

test('least-loaded picks the replica with the fewest requests in flight', () => {
  assert.equal(leastLoaded().pick(req, [load(5), load(2), load(7)]), 1);
});

test('ties go to the lower KV usage', () => {
  assert.equal(leastLoaded().pick(req, [load(2, 0.9), load(2, 0.3), load(2, 0.5)]), 1);
});

test('an idle fleet is spread evenly, not piled on the first replica', () => {
  const p = leastLoaded();
  const fleet = [load(0), load(0), load(0), load(0)];
  assert.deepEqual([0, 1, 2, 3].map(() => p.pick(req, fleet)), [0, 1, 2, 3]);
});
