// The rendezvous scorer: the same ranking on every instance for the same leading blocks, a
// different first choice for different prompts, and the first choice's score alone with `top`.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { chainSeed, textBlockHashes } from '../../src/router/prefix-hash.js';
import type { Candidate } from '../../src/router/scheduler/types.js';
import { rendezvousScorer } from '../../src/router/scorers/rendezvous.js';

const cands: Candidate[] = ['gpu1', 'gpu2', 'gpu3', 'gpu4'].map((key) => ({ key, inFlight: 0, waiting: 0, running: 0, kvUsage: 0 }));
const all = [0, 1, 2, 3];
const seed = chainSeed('m');
const hashes = (text: string): number[] => textBlockHashes(text, seed);
const scores = (scorer = rendezvousScorer(), prompt = 'x'.repeat(640), indices = all): number[] => {
  const out = new Float64Array(4).fill(NaN);
  scorer.score({ promptTokens: 10, prefixHashes: hashes(prompt) }, cands, indices, out);
  return indices.map((i) => out[i] as number);
};
const first = (s: number[]): number => s.indexOf(Math.max(...s));

it('ranks alike on every instance: 1, ½, ¼, ⅛ by default', () => {
  const a = scores(rendezvousScorer());
  assert.deepEqual(a, scores(rendezvousScorer()));
  assert.deepEqual([...a].sort((x, y) => y - x), [1, 0.5, 0.25, 0.125]);
});

it('anchors on the 4th block: prompts sharing it share the first choice, others spread', () => {
  const head = 'system prompt shared by a conversation, turn after turn......... '.repeat(4);
  assert.equal(first(scores(undefined, head + 'first question')), first(scores(undefined, head + 'a much later turn, with history '.repeat(20))));
  const firsts = new Set(Array.from({ length: 40 }, (_, i) => first(scores(undefined, `conversation ${i} `.repeat(30)))));
  assert.ok(firsts.size >= 3, `first choices ${[...firsts].join(',')}`);
});

it('with `top` only the first choice scores; without blocks nobody does; a filtered-out replica does not change the others’ order', () => {
  assert.deepEqual([...scores(rendezvousScorer({ shape: 'top' }))].sort(), [0, 0, 0, 1]);
  assert.deepEqual(scores(undefined, 'short'), [0, 0, 0, 0]);
  const full = scores();
  const winner = first(full);
  const rest = all.filter((i) => i !== winner);
  const without = scores(undefined, undefined, rest);
  const runnerUp = rest[first(rest.map((i) => full[i] as number))];
  assert.equal(rest[first(without)], runnerUp);
});
