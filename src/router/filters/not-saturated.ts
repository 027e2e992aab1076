// Not saturated: drop replicas whose queue or KV cache is over the thresholds — unless all are, then keep all.
import { saturated, type SaturationThresholds } from '../saturation.js';
import type { Candidate, Filter } from '../scheduler/types.js';

export function notSaturatedFilter(t: SaturationThresholds): Filter {
  return {
    name: 'not-saturated',
    filter(_req, all: readonly Candidate[], indices: number[]): number[] {
      const open = indices.filter((i) => !saturated(all[i] as Candidate, t));
      return open.length > 0 ? open : indices;
    },
  };
}
