// The scheduler: filters narrow, weighted scorers rate, the picker takes the highest sum (random among ties).
// It is a RoutingPolicy, so the virtual-time simulator runs the very same plugins as the gateway.
import type { ReplicaLoad, RouteRequest, RoutingPolicy } from '../policies/policy.js';
import type { Candidate, Filter, Scorer, SchedulingRequest } from './types.js';

export interface WeightedScorer {
  readonly scorer: Scorer;
  readonly weight: number;
}

const EPSILON = 1e-9;

export class Scheduler implements RoutingPolicy {
  private scores = new Float64Array(8);
  private part = new Float64Array(8);
  private readonly all: number[] = [];

  constructor(
    readonly name: string,
    private readonly filters: readonly Filter[],
    private readonly scorers: readonly WeightedScorer[],
    private readonly random: () => number = Math.random,
  ) {}

  /** Candidate indices that pass every filter, with their weighted scores in this.scores. */
  private evaluate(req: SchedulingRequest, all: readonly Candidate[]): number[] {
    if (this.scores.length < all.length) {
      this.scores = new Float64Array(all.length * 2);
      this.part = new Float64Array(all.length * 2);
    }
    this.all.length = 0;
    for (let i = 0; i < all.length; i++) this.all.push(i);
    let indices = this.all;
    for (const f of this.filters) {
      indices = f.filter(req, all, indices);
      if (indices.length === 0) return indices;
    }
    for (const i of indices) this.scores[i] = 0;
    for (const { scorer, weight } of this.scorers) {
      if (weight === 0) continue;
      scorer.score(req, all, indices, this.part);
      for (const i of indices) this.scores[i] = (this.scores[i] as number) + weight * (this.part[i] as number);
    }
    return indices;
  }

  /** The best candidate's index, or -1 when the filters leave none. Does not commit. */
  choose(req: SchedulingRequest, all: readonly Candidate[]): number {
    const indices = this.evaluate(req, all);
    let best = -1;
    let bestScore = -Infinity;
    let ties = 0;
    for (const i of indices) {
      const s = this.scores[i] as number;
      if (s > bestScore + EPSILON) {
        best = i;
        bestScore = s;
        ties = 1;
      } else if (Math.abs(s - bestScore) <= EPSILON && this.random() * ++ties < 1) {
        best = i; // reservoir sampling: each tied candidate equally likely
      }
    }
    return best;
  }

  /** Every candidate that passes the filters, best first (ties in random order). Does not commit. */
  rank(req: SchedulingRequest, all: readonly Candidate[]): number[] {
    const indices = [...this.evaluate(req, all)];
    const jitter = new Map(indices.map((i) => [i, this.random()]));
    return indices.sort((a, b) => (this.scores[b] as number) - (this.scores[a] as number) || (jitter.get(a) as number) - (jitter.get(b) as number));
  }

  /** Tells stateful scorers (prefix, session) that this candidate took the request. */
  commit(req: SchedulingRequest, chosen: Candidate): void {
    for (const { scorer, weight } of this.scorers) if (weight !== 0) scorer.picked?.(req, chosen);
  }

  /** RoutingPolicy: choose and commit. Replicas without a key are known by their index. */
  pick(request: RouteRequest, replicas: readonly ReplicaLoad[]): number {
    const all = replicas as readonly Candidate[];
    const keyed = all.length > 0 && (all[0] as Partial<Candidate>).key !== undefined ? all : replicas.map((r, i) => withKey(r, i));
    const i = this.choose(request, keyed);
    const chosen = i < 0 ? 0 : i;
    this.commit(request, keyed[chosen] as Candidate);
    return chosen;
  }
}

function withKey(r: ReplicaLoad, key: number): Candidate {
  return { key, get inFlight() { return r.inFlight; }, get waiting() { return r.waiting; }, get running() { return r.running; }, get kvUsage() { return r.kvUsage; } };
}
