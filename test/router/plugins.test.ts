// Each scheduler plugin on its own: filters, scorers, picker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contextFitsFilter } from '../../src/router/filters/context-fits.js';
import { healthyFilter } from '../../src/router/filters/healthy.js';
import { localFirstFilter } from '../../src/router/filters/local-first.js';
import { notSaturatedFilter } from '../../src/router/filters/not-saturated.js';
import { zoneFilter } from '../../src/router/filters/zone.js';
import { chainSeed, textBlockHashes } from '../../src/router/prefix-hash.js';
import { defaultSaturation } from '../../src/router/saturation.js';
import { Scheduler } from '../../src/router/scheduler/scheduler.js';
import type { Candidate, SchedulingRequest } from '../../src/router/scheduler/types.js';
import { costScorer } from '../../src/router/scorers/cost.js';
import { kvScorer } from '../../src/router/scorers/kv.js';
import { latencyScorer } from '../../src/router/scorers/latency.js';
import { prefixScorer } from '../../src/router/scorers/prefix.js';
import { queueScorer } from '../../src/router/scorers/queue.js';
import { sessionScorer } from '../../src/router/scorers/session.js';

const c = (key: string, over: Partial<Candidate> = {}): Candidate => ({ key, inFlight: 0, waiting: 0, running: 0, kvUsage: 0, zone: 'local', ...over });
const req = (over: Partial<SchedulingRequest> = {}): SchedulingRequest => ({ promptTokens: 10, prefixHashes: [], ...over });
const all4 = [0, 1, 2, 3];

describe('filters', () => {
  it('healthy drops unhealthy candidates', () => {
    assert.deepEqual(healthyFilter().filter(req(), [c('a'), c('b', { healthy: false }), c('c', { healthy: true })], [0, 1, 2]), [0, 2]);
  });

  it('zone keeps only allowed zones and never relaxes', () => {
    const cands = [c('a', { zone: 'local' }), c('b', { zone: 'eu' }), c('c', { zone: 'us' })];
    assert.deepEqual(zoneFilter().filter(req({ zones: ['local'] }), cands, [0, 1, 2]), [0]);
    assert.deepEqual(zoneFilter().filter(req({ zones: ['local', 'eu'] }), cands, [0, 1, 2]), [0, 1]);
    assert.deepEqual(zoneFilter().filter(req({ zones: 'any' }), cands, [0, 1, 2]), [0, 1, 2]);
    assert.deepEqual(zoneFilter().filter(req({ zones: ['mars'] }), cands, [0, 1, 2]), []);
  });

  it('context-fits drops windows too small, keeps all when none fits', () => {
    const cands = [c('a', { contextWindow: 4096 }), c('b', { contextWindow: 32768 }), c('c')];
    assert.deepEqual(contextFitsFilter().filter(req({ promptTokens: 5000, maxTokens: 100 }), cands, [0, 1, 2]), [1, 2]);
    const small = [c('a', { contextWindow: 10 })];
    assert.deepEqual(contextFitsFilter().filter(req({ promptTokens: 50 }), small, [0]), [0]);
  });

  it('not-saturated drops replicas over the queue or KV threshold unless all are', () => {
    const f = notSaturatedFilter(defaultSaturation);
    assert.deepEqual(f.filter(req(), [c('a', { waiting: 9 }), c('b', { kvUsage: 0.95 }), c('c', { waiting: 1, kvUsage: 0.5 })], [0, 1, 2]), [2]);
    assert.deepEqual(f.filter(req(), [c('a', { waiting: 9 }), c('b', { kvUsage: 0.95 })], [0, 1]), [0, 1]);
  });

  it('local-first uses hosted deployments only when every local one is saturated', () => {
    const f = localFirstFilter(defaultSaturation);
    const cands = [c('gpu', { waiting: 0 }), c('api', { hosted: true })];
    assert.deepEqual(f.filter(req(), cands, [0, 1]), [0]);
    const busy = [c('gpu', { waiting: 50 }), c('api', { hosted: true })];
    assert.deepEqual(f.filter(req(), busy, [0, 1]), [0, 1]);
  });
});

describe('scorers', () => {
  const out = new Float64Array(8);

  it('queue: emptiest 1, fullest 0, engine waiting plus own in-flight', () => {
    queueScorer().score(req(), [c('a', { waiting: 4 }), c('b', { inFlight: 2 }), c('c'), c('d', { waiting: 2, inFlight: 2 })], all4, out);
    assert.deepEqual([...out.slice(0, 4)], [0, 0.5, 1, 0]);
  });

  it('kv: 1 − usage', () => {
    kvScorer().score(req(), [c('a', { kvUsage: 0.25 }), c('b', { kvUsage: 1 })], [0, 1], out);
    assert.deepEqual([...out.slice(0, 2)], [0.75, 0]);
  });

  it('latency: fastest 1, others in proportion, unmeasured 1', () => {
    latencyScorer().score(req(), [c('a', { ttftMs: 100 }), c('b', { ttftMs: 400 }), c('c')], [0, 1, 2], out);
    assert.deepEqual([...out.slice(0, 3)], [1, 0.25, 1]);
  });

  it('cost: own hardware before hosted APIs', () => {
    costScorer().score(req(), [c('a'), c('b', { hosted: true })], [0, 1], out);
    assert.deepEqual([...out.slice(0, 2)], [1, 0]);
  });

  it('session: back to the replica that served the session', () => {
    const s = sessionScorer();
    const cands = [c('a'), c('b')];
    s.score(req({ sessionKey: 'u1' }), cands, [0, 1], out);
    assert.deepEqual([...out.slice(0, 2)], [0, 0]);
    s.picked?.(req({ sessionKey: 'u1' }), cands[1] as Candidate);
    s.score(req({ sessionKey: 'u1' }), cands, [0, 1], out);
    assert.deepEqual([...out.slice(0, 2)], [0, 1]);
    s.score(req({ sessionKey: 'u2' }), cands, [0, 1], out);
    assert.deepEqual([...out.slice(0, 2)], [0, 0]);
  });

  it('prefix: leading blocks matched over blocks, chained so a shared middle does not count', () => {
    const s = prefixScorer();
    const seed = chainSeed('m');
    const system = 'You are a helpful assistant. '.repeat(20); // 580 chars → 9 blocks of 64
    const a = textBlockHashes(system + 'Question one? '.repeat(10), seed);
    const b = textBlockHashes(system + 'Another question! '.repeat(10), seed);
    const cands = [c('r0'), c('r1'), c('r2')];
    s.picked?.(req({ prefixHashes: a }), cands[1] as Candidate);
    s.score(req({ prefixHashes: a }), cands, [0, 1, 2], out);
    assert.deepEqual([out[0], out[1], out[2]], [0, 1, 0]);
    s.score(req({ prefixHashes: b }), cands, [0, 1, 2], out);
    assert.equal(out[0], 0);
    assert.ok((out[1] as number) > 0.3 && (out[1] as number) < 1, `shared system prompt scores partly: ${out[1]}`);
    // Another model's chain shares nothing.
    s.score(req({ prefixHashes: textBlockHashes(system, chainSeed('other')) }), cands, [0, 1, 2], out);
    assert.equal(out[1], 0);
  });

  it('prefix: the per-replica LRU forgets the oldest blocks', () => {
    const s = prefixScorer(4);
    const seed = chainSeed('m');
    const old = textBlockHashes('a'.repeat(64 * 4), seed);
    const recent = textBlockHashes('b'.repeat(64 * 4), seed);
    const cands = [c('r0')];
    s.picked?.(req({ prefixHashes: old }), cands[0] as Candidate);
    s.picked?.(req({ prefixHashes: recent }), cands[0] as Candidate);
    s.score(req({ prefixHashes: old }), cands, [0], out);
    assert.equal(out[0], 0);
    s.score(req({ prefixHashes: recent }), cands, [0], out);
    assert.equal(out[0], 1);
    assert.equal(s.index.size(0), 4);
  });
});

describe('picker', () => {
  it('takes the highest weighted sum and spreads ties at random', () => {
    const sched = new Scheduler('t', [], [{ scorer: queueScorer(), weight: 2 }, { scorer: kvScorer(), weight: 1 }]);
    assert.equal(sched.choose(req(), [c('a', { waiting: 3 }), c('b', { kvUsage: 0.5 }), c('c', { waiting: 3 })]), 1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 600; i++) {
      const idx = sched.choose(req(), [c('a'), c('b'), c('c')]);
      counts[idx] = (counts[idx] as number) + 1;
    }
    for (const n of counts) assert.ok(n > 120, `ties spread evenly: ${counts.join(',')}`);
  });

  it('ranks every candidate that passes the filters, best first', () => {
    const sched = new Scheduler('t', [healthyFilter()], [{ scorer: queueScorer(), weight: 1 }]);
    const order = sched.rank(req(), [c('a', { waiting: 2 }), c('b', { healthy: false }), c('c'), c('d', { waiting: 1 })]);
    assert.deepEqual(order, [2, 3, 0]);
  });
});
