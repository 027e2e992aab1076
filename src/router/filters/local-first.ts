// Overflow: hosted APIs only when every local replica left is saturated (the zone filter ran before,
// so a hosted deployment here is one the caller's data policy allows).
import { saturated, type SaturationThresholds } from '../saturation.js';
import type { Candidate, Filter } from '../scheduler/types.js';

export function localFirstFilter(t: SaturationThresholds): Filter {
  return {
    name: 'local-first',
    filter(_req, all: readonly Candidate[], indices: number[]): number[] {
      const localOpen = indices.some((i) => {
        const c = all[i] as Candidate;
        return !c.hosted && !saturated(c, t);
      });
      return localOpen ? indices.filter((i) => !(all[i] as Candidate).hosted) : indices;
    },
  };
}
