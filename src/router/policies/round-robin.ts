// Round-robin: each request to the next replica in turn, blind to load.
import type { ReplicaLoad, RouteRequest, RoutingPolicy } from './policy.js';

export function roundRobin(): RoutingPolicy {
  let next = 0;
  return {
    name: 'round-robin',
    pick(_request: RouteRequest, replicas: readonly ReplicaLoad[]): number {
      const i = next % replicas.length;
      next = i + 1;
      return i;
    },
  };
}
