import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundRobin } from '../../../src/router/policies/round-robin.js';
import type { ReplicaLoad } from '../../../src/router/policies/policy.js';

const req = { promptTokens: 100, prefixHashes: [] };
const idle: ReplicaLoad = { inFlight: 0, waiting: 0, running: 0, kvUsage: 0 };

test('round-robin cycles through replicas regardless of load', () => {
  const p = roundRobin();
  const busy: ReplicaLoad = { inFlight: 99, waiting: 50, running: 49, kvUsage: 1 };
  const fleet = [busy, idle, idle];
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map(() => p.pick(req, fleet)), [0, 1, 2, 0, 1, 2, 0]);
});

test('round-robin stays in range when the fleet shrinks', () => {
  const p = roundRobin();
  p.pick(req, [idle, idle, idle]);
  p.pick(req, [idle, idle, idle]);
  assert.equal(p.pick(req, [idle, idle]), 0);
});
