// Latency: the replica with the lowest moving-average TTFT scores 1, others in proportion (fastest / own).
// Replicas not measured yet score 1, so they get traffic and a measurement.
import type { Candidate, Scorer } from '../scheduler/types.js';

export function latencyScorer(): Scorer {
  return {
    name: 'latency',
    score(_req, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void {
      let best = Infinity;
      for (const i of indices) {
        const t = (all[i] as Candidate).ttftMs;
        if (t !== undefined && t < best) best = t;
      }
      for (const i of indices) {
        const t = (all[i] as Candidate).ttftMs;
        out[i] = t === undefined || !Number.isFinite(best) ? 1 : best / Math.max(t, 1e-6);
      }
    },
  };
}
