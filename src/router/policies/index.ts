// Routing policies by name (CLI flags, config files). 'default' is the gateway's own scheduler
// (filters + prefix, queue, KV and cost scorers) — the same plugins, not a copy.
import { createScheduler } from '../scheduler/defaults.js';
import { leastLoaded } from './least-loaded.js';
import type { RoutingPolicy } from './policy.js';
import { roundRobin } from './round-robin.js';

export type { ReplicaLoad, RouteRequest, RoutingPolicy } from './policy.js';

export const policyFactories: Readonly<Record<string, () => RoutingPolicy>> = {
  'round-robin': roundRobin,
  'least-loaded': leastLoaded,
  default: () => createScheduler('default'),
  'prefix-only': () => createScheduler('prefix-only', { scorers: { prefix: 1 } }),
};

export function createPolicy(name: string): RoutingPolicy {
  const make = policyFactories[name];
  if (!make) throw new Error(`unknown routing policy '${name}' (${Object.keys(policyFactories).join(', ')})`);
  return make();
}
