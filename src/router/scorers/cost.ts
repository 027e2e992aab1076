// Cost: our own hardware (already paid for) before hosted APIs billed per token.
import type { Candidate, Scorer } from '../scheduler/types.js';

export function costScorer(): Scorer {
  return {
    name: 'cost',
    score(_req, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void {
      for (const i of indices) out[i] = (all[i] as Candidate).hosted ? 0 : 1;
    },
  };
}
