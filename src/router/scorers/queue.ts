// Queue depth: engine-reported waiting requests plus the router's own in-flight count, min-max
// normalised across the candidates (the emptiest scores 1, the fullest 0; all equal → 1).
import type { Candidate, Scorer } from '../scheduler/types.js';

export function queueScorer(): Scorer {
  return {
    name: 'queue',
    score(_req, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void {
      let min = Infinity;
      let max = -Infinity;
      for (const i of indices) {
        const c = all[i] as Candidate;
        const q = c.waiting + c.inFlight;
        if (q < min) min = q;
        if (q > max) max = q;
      }
      const span = max - min;
      for (const i of indices) {
        const c = all[i] as Candidate;
        out[i] = span === 0 ? 1 : (max - (c.waiting + c.inFlight)) / span;
      }
    },
  };
}
