// Healthy: drop replicas that fail health checks or whose circuit breaker is open.
import type { Candidate, Filter } from '../scheduler/types.js';

export function healthyFilter(): Filter {
  return {
    name: 'healthy',
    filter: (_req, all: readonly Candidate[], indices: number[]) => indices.filter((i) => (all[i] as Candidate).healthy !== false),
  };
}
