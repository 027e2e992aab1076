// npm run bench:routing-decision — the cost of one routing decision in the gateway's scheduler:
// 32 replicas, long prompts (16 KiB of text → 256 prefix blocks), default plugins, warm prefix index.
// A decision is hashing the prompt + filters + scorers + picker; recording the choice in the prefix
// index (commit) happens after the request went upstream, off its path, and is timed separately.
import { chainSeed, textBlockHashes } from '../src/router/prefix-hash.js';
import { createScheduler } from '../src/router/scheduler/defaults.js';
import type { Candidate } from '../src/router/scheduler/types.js';

const replicas = 32;
const decisions = 20_000;
const sched = createScheduler('bench');
const cands: Candidate[] = Array.from({ length: replicas }, (_, i) => ({
  key: `r${i}`,
  zone: 'local',
  healthy: true,
  inFlight: i % 7,
  waiting: i % 3,
  running: 4,
  kvUsage: (i % 10) / 20,
}));
const groups = Array.from({ length: 64 }, (_, g) => `system prompt of group ${g}: `.repeat(600).slice(0, 14_000));
const seed = chainSeed('llama-3.1-8b');
const prompts = Array.from({ length: 1_000 }, (_, n) => {
  const p = ((groups[n % 64] as string) + `question ${n} `.repeat(150)).slice(0, 16_384);
  p.charCodeAt(0); // flatten outside the timed region, as a parsed request body is
  return p;
});
const times: number[] = [];
const commits: number[] = [];
for (let n = 0; n < decisions; n++) {
  const prompt = prompts[n % prompts.length] as string;
  const t0 = performance.now();
  const hashes = textBlockHashes(prompt, seed);
  const req = { promptTokens: Math.ceil(prompt.length / 4), prefixHashes: hashes, maxTokens: 200, zones: 'any' as const };
  const i = sched.choose(req, cands);
  const t1 = performance.now();
  sched.commit(req, cands[i] as Candidate);
  commits.push((performance.now() - t1) * 1000);
  times.push((t1 - t0) * 1000);
}
const stats = (xs: number[]): string => {
  const warm = xs.slice(2_000).sort((a, b) => a - b);
  const q = (p: number): number => warm[Math.floor(p * (warm.length - 1))] as number;
  return `p50 ${q(0.5).toFixed(1)} µs   p90 ${q(0.9).toFixed(1)} µs   p99 ${q(0.99).toFixed(1)} µs   max ${q(1).toFixed(1)} µs`;
};
console.log(`routing, ${replicas} replicas, 16 KiB prompts (256 blocks), ${decisions - 2_000} decisions after warm-up:`);
console.log(`  decision (hash + filters + scorers + picker)   ${stats(times)}`);
console.log(`  commit to the prefix index (after dispatch)    ${stats(commits)}`);
