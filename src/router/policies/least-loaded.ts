// Least-loaded: the replica with the fewest requests in flight; ties go to the lower KV usage, then
// to the next replica after the last pick (so an idle fleet is still spread evenly).
import type { ReplicaLoad, RouteRequest, RoutingPolicy } from './policy.js';

export function leastLoaded(): RoutingPolicy {
  let start = 0;
  return {
    name: 'least-loaded',
    pick(_request: RouteRequest, replicas: readonly ReplicaLoad[]): number {
      const n = replicas.length;
      let best = start % n;
      let bestLoad = replicas[best]!.inFlight;
      let bestKv = replicas[best]!.kvUsage;
      for (let k = 1; k < n; k++) {
        const i = (start + k) % n;
        const r = replicas[i]!;
        if (r.inFlight < bestLoad || (r.inFlight === bestLoad && r.kvUsage < bestKv)) {
          best = i;
          bestLoad = r.inFlight;
          bestKv = r.kvUsage;
        }
      }
      start = best + 1;
      return best;
    },
  };
}
