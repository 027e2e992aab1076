// npm run bench:affinity — prefix affinity with several gateways, in virtual time: one gateway alone,
// N gateways behind a round-robin balancer each with its own prefix index, and the ways to make them
// agree (a shared index, rendezvous hashing, the engines' own KV-cache events).
import { parseArgs } from 'node:util';
import { buildReplicaModel } from '../src/perfmodel/index.js';
import { PrefixIndex } from '../src/router/prefix-index.js';
import { createScheduler } from '../src/router/scheduler/defaults.js';
import type { Candidate, Scorer, SchedulingRequest } from '../src/router/scheduler/types.js';
import { rendezvousScorer, type RendezvousOptions } from '../src/router/scorers/rendezvous.js';
import type { RoutingPolicy } from '../src/router/policies/policy.js';
import type { Engine } from '../src/sim/engine.js';
import { simulateFleet } from '../src/sim/fleet-sim.js';
import { parseWorkload } from '../src/sim/workload.js';

const { values } = parseArgs({ options: { gateways: { type: 'string', default: '3' }, requests: { type: 'string', default: '3000' } } });
const N = Number(values.gateways);
const model = buildReplicaModel({ gpu: 'rtx-4090', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm', maxModelLen: 8192 });

/** Exact leading-block hits read from each engine's KV cache: what KV-cache events would tell, with no lag. */
function kvEventScorer(): Scorer {
  return {
    name: 'kv-events',
    score(req: SchedulingRequest, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void {
      const n = Math.min(req.prefixHashes.length, 256);
      for (const i of indices) {
        const pool = (all[i] as unknown as { engine: Engine }).engine.pool;
        let k = 0;
        while (k < n && pool.lookup(req.prefixHashes[k] as number) >= 0) k++;
        out[i] = n === 0 ? 0 : k / n;
      }
    },
  };
}

const strategies: Record<string, () => RoutingPolicy[]> = {
  'one gateway': () => [createScheduler('one')],
  'one gateway + rendezvous': () => [createScheduler('one', { extraScorers: [{ scorer: rendezvousScorer({ depth: 4, shape: 'top' }), weight: 2 }] })],
  [`${N} gateways, own index`]: () => Array.from({ length: N }, () => createScheduler('own')),
  [`${N} gateways, shared index`]: () => {
    const index = new PrefixIndex();
    return Array.from({ length: N }, () => createScheduler('shared', { prefixIndex: index }));
  },
  ...Object.fromEntries(
    ([[4, 'halving'], [1, 'top'], [4, 'top'], [16, 'top']] as [number, RendezvousOptions['shape']][]).map(([depth, shape]) => [
      `${N} gateways, rendezvous d=${depth} ${shape}`,
      () => Array.from({ length: N }, () => createScheduler('hrw', { extraScorers: [{ scorer: rendezvousScorer({ depth, shape }), weight: 2 }] })),
    ]),
  ),
  [`${N} gateways, shared index + rendezvous`]: () => {
    const index = new PrefixIndex();
    return Array.from({ length: N }, () => createScheduler('shared', { prefixIndex: index, extraScorers: [{ scorer: rendezvousScorer({ depth: 4, shape: 'top' }), weight: 2 }] }));
  },
  [`${N} gateways, KV events (exact)`]: () => Array.from({ length: N }, () => createScheduler('kv', { scorers: { queue: 2, kv: 2, cost: 1 }, extraScorers: [{ scorer: kvEventScorer(), weight: 3 }] })),
};

const requests = Number(values.requests);
const workloads = {
  'multi-turn chats (6 turns), 4 replicas, light': { replicas: 4, spec: { seed: 3, requests, arrival: { rate: 1 }, prompt: 150, output: 150, turns: 6, think: 'exp:8' } },
  'multi-turn, one shared 1,000-token system prompt, 4 replicas': { replicas: 4, spec: { seed: 5, requests, arrival: { rate: 2 }, prompt: 150, output: 150, turns: 6, think: 'exp:8', prefix: { groups: 1, tokens: 1000 } } },
  'multi-turn chats (6 turns), 4 replicas': { replicas: 4, spec: { seed: 3, requests, arrival: { rate: 4 }, prompt: 150, output: 150, turns: 6, think: 'exp:8' } },
  'multi-turn, 16 shared system prompts, 4 replicas': { replicas: 4, spec: { seed: 5, requests, arrival: { rate: 4 }, prompt: 150, output: 150, turns: 6, think: 'exp:8', prefix: { groups: 16, tokens: 1000 } } },
  'shared prefixes (64 groups × 2,000 tokens), 8 replicas, 16 req/s': { replicas: 8, spec: { seed: 7, requests, arrival: { rate: 16 }, prompt: 200, output: 200, prefix: { groups: 64, tokens: 2000 } } },
};

for (const [wname, w] of Object.entries(workloads)) {
  console.log(`\n${wname}`);
  console.log('  strategy                                   hit rate   TTFT p50   TTFT p90');
  for (const [sname, make] of Object.entries(strategies)) {
    const r = simulateFleet({ replicas: Array(w.replicas).fill(model), workload: parseWorkload(w.spec), policy: make(), modelName: 'llama-3.1-8b' });
    console.log(`  ${sname.padEnd(42)} ${(r.prefixCache.hitRate * 100).toFixed(1).padStart(7)}% ${r.ttft.p50.toFixed(3).padStart(9)}s ${r.ttft.p90.toFixed(3).padStart(9)}s`);
  }
}
