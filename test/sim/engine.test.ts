import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../src/sim/engine.js';
import { Sequence, type SeqListener } from '../../src/sim/sequence.js';
import { VirtualClock } from '../../src/sim/virtual-clock.js';
import { chainNext, chainSeed } from '../../src/router/prefix-hash.js';
import { fixtureModel, type FixtureOptions } from './fixture-model.js';

interface Trace {
  tokens: number[];
  finishedAt: number;
}

function setup(o: FixtureOptions = {}) {
  const clock = new VirtualClock();
  const engine = new Engine(fixtureModel(o), clock);
  const traces = new Map<number, Trace>();
  const listener: SeqListener = {
    onToken: (seq, t) => traces.get(seq.id)!.tokens.push(t),
    onFinish: (seq, t) => {
      traces.get(seq.id)!.finishedAt = t;
    },
  };
  let next = 0;
  const submit = (prompt: number, output: number, hashes: number[] = []): Sequence => {
    const seq = new Sequence(next++, prompt, output, hashes, listener);
    traces.set(seq.id, { tokens: [], finishedAt: -1 });
    engine.submit(seq);
    return seq;
  };
  return { clock, engine, traces, submit };
}

/** `blocks` chained hashes keyed by `key` (same key → same prefix). */
function hashes(key: number, blocks: number): number[] {
  const out: number[] = [];
  let h = chainSeed('test-model');
  for (let i = 0; i < blocks; i++) out.push((h = chainNext(h, key)));
  return out;
}

test('one request: prefill step then one decode step per token, times from the model', () => {
  const { clock, engine, traces, submit } = setup();
  submit(100, 5);
  clock.run();
  const t = traces.get(0)!;
  assert.equal(t.tokens.length, 5);
  const prefill = 0.005 + 0.0001 * 100;
  assert.ok(Math.abs(t.tokens[0]! - prefill) < 1e-12);
  for (let i = 1; i < 5; i++) assert.ok(Math.abs(t.tokens[i]! - t.tokens[i - 1]! - 0.0052) < 1e-12);
  assert.equal(engine.pool.freeBlocks, engine.pool.size, 'all blocks back in the free queue');
  assert.equal(engine.counters.generationTokens, 5);
  assert.equal(engine.counters.promptTokens, 100);
});

test('chunked prefill: a prompt longer than the token budget takes several steps', () => {
  const { clock, traces, submit } = setup({ maxBatchedTokens: 256 });
  submit(1000, 2);
  clock.run();
  // 4 chunks (256, 256, 256, 232): first token at the end of the 4th step.
  const expected = 3 * (0.005 + 0.0256) + (0.005 + 0.0232);
  assert.ok(Math.abs(traces.get(0)!.tokens[0]! - expected) < 1e-9, String(traces.get(0)!.tokens[0]));
});

test('max_num_seqs bounds the running batch; the rest waits in FCFS order', () => {
  const { clock, engine, traces, submit } = setup({ maxNumSeqs: 4 });
  for (let i = 0; i < 10; i++) submit(32, 20);
  clock.at(0.02, () => {
    assert.equal(engine.numRunning, 4);
    assert.equal(engine.numWaiting, 6);
  });
  clock.run();
  const firsts = [...traces.values()].map((t) => t.tokens[0]!);
  for (let i = 1; i < firsts.length; i++) assert.ok(firsts[i]! >= firsts[i - 1]!, 'FCFS');
  assert.ok(firsts[4]! >= traces.get(0)!.finishedAt, 'the 5th starts after a slot frees');
  assert.equal(engine.counters.finished, 10);
});

test('prefix cache: a repeated prefix is served from cached blocks, counted in tokens', () => {
  const { clock, engine, traces, submit } = setup();
  submit(320, 2, hashes(7, 20));
  clock.run();
  const cold = traces.get(0)!.tokens[0]!;
  const start = clock.now();
  // Same 16-block prefix, then 4 different blocks.
  const h = hashes(7, 16).concat(hashes(8, 4));
  const seq = submit(320, 2, h);
  clock.run();
  assert.equal(seq.cachedTokens, 256);
  assert.equal(engine.counters.prefixQueries, 640);
  assert.equal(engine.counters.prefixHits, 256);
  assert.ok(traces.get(1)!.tokens[0]! - start < cold, 'warm TTFT is shorter');
  // Whole-prompt hits still compute the last token.
  const again = submit(320, 1, hashes(7, 20));
  clock.run();
  assert.equal(again.cachedTokens, 304);
});

test('LRU: free cached blocks are evicted when new blocks are needed', () => {
  const { clock, engine, submit } = setup({ kvBlocks: 40 });
  submit(320, 1, hashes(1, 20)); // 20 blocks cached, then freed
  clock.run();
  assert.equal(engine.pool.cachedBlocks, 20);
  submit(480, 1, hashes(2, 30)); // needs 30 + 1 blocks: evicts the oldest cached ones
  clock.run();
  const hitOld = submit(320, 1, hashes(1, 20));
  clock.run();
  assert.ok(hitOld.cachedTokens < 320 - 16, 'part of the first prefix was evicted');
  assert.equal(engine.pool.freeBlocks, 40);
});

test('KV cache full: running sequences are preempted and recomputed; all finish, nothing leaks', () => {
  const { clock, engine, traces, submit } = setup({ kvBlocks: 64, maxNumSeqs: 32 });
  for (let i = 0; i < 8; i++) submit(200, 200);
  clock.run();
  assert.ok(engine.counters.preemptions > 0, 'preemptions happened');
  for (const t of traces.values()) assert.equal(t.tokens.length, 200);
  assert.equal(engine.pool.freeBlocks, 64);
  assert.equal(engine.numRunning + engine.numWaiting, 0);
});

test('KV cache full: a new request waits for blocks instead of preempting', () => {
  const { clock, engine, traces, submit } = setup({ kvBlocks: 40 });
  submit(480, 50); // 31 blocks for the prompt, grows to 33
  clock.run(0.06);
  const late = submit(200, 5); // needs 13 blocks: only 7 or so free
  clock.run(0.2);
  assert.equal(engine.numWaiting, 1, 'waits');
  assert.equal(engine.counters.preemptions, 0);
  clock.run();
  assert.equal(traces.get(late.id)!.tokens.length, 5);
  assert.ok(traces.get(late.id)!.tokens[0]! > traces.get(0)!.finishedAt, 'starts once the first one frees its blocks');
});

test('abort frees the sequence and its blocks at once', () => {
  const { clock, engine, traces, submit } = setup();
  const a = submit(100, 1000);
  submit(100, 10);
  clock.run(0.05);
  assert.ok(engine.pool.freeBlocks < engine.pool.size);
  engine.abort(a);
  clock.run();
  assert.ok(traces.get(0)!.tokens.length < 1000);
  assert.equal(engine.pool.freeBlocks, engine.pool.size);
  assert.equal(engine.counters.aborted, 1);
});

test('rejects requests longer than the context or the cache', () => {
  const { engine } = setup({ kvBlocks: 10, maxModelLen: 1000 });
  assert.match(engine.rejects(900, 200) ?? '', /maximum context length/);
  assert.match(engine.rejects(150, 20) ?? '', /KV blocks/);
  assert.equal(engine.rejects(100, 20), undefined);
});
