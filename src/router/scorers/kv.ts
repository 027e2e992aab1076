// KV-cache use: a replica with free KV cache can admit more work without preempting (1 − usage).
import type { Candidate, Scorer } from '../scheduler/types.js';

export function kvScorer(): Scorer {
  return {
    name: 'kv',
    score(_req, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void {
      for (const i of indices) out[i] = 1 - Math.min(1, Math.max(0, (all[i] as Candidate).kvUsage));
    },
  };
}
