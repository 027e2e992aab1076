// Data policy: only backends in a zone the caller's key allows. Never relaxed, not even when nothing is left.
import type { Candidate, Filter } from '../scheduler/types.js';

export function zoneFilter(): Filter {
  return {
    name: 'zone',
    filter(req, all: readonly Candidate[], indices: number[]): number[] {
      const zones = req.zones;
      if (zones === undefined || zones === 'any') return indices;
      return indices.filter((i) => {
        const z = (all[i] as Candidate).zone;
        return z !== undefined && zones.includes(z);
      });
    },
  };
}
