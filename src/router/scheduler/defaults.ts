// The scheduler a model gets from its `routing:` config, and the documented defaults.
import { contextFitsFilter } from '../filters/context-fits.js';
import { healthyFilter } from '../filters/healthy.js';
import { localFirstFilter } from '../filters/local-first.js';
import { notSaturatedFilter } from '../filters/not-saturated.js';
import { zoneFilter } from '../filters/zone.js';
import { defaultSaturation, type SaturationThresholds } from '../saturation.js';
import { costScorer } from '../scorers/cost.js';
import { kvScorer } from '../scorers/kv.js';
import { latencyScorer } from '../scorers/latency.js';
import { prefixScorer } from '../scorers/prefix.js';
import { queueScorer } from '../scorers/queue.js';
import { rendezvousScorer } from '../scorers/rendezvous.js';
import type { PrefixIndex } from '../prefix-index.js';
import { sessionScorer } from '../scorers/session.js';
import { Scheduler, type WeightedScorer } from './scheduler.js';
import type { Scorer } from './types.js';

export const scorerNames = ['prefix', 'queue', 'kv', 'latency', 'session', 'cost', 'rendezvous'] as const;
export type ScorerName = (typeof scorerNames)[number];

/** llm-d's weights for prefix, queue and KV; cost breaks ties toward our own hardware. */
export const defaultWeights: Readonly<Record<ScorerName, number>> = { prefix: 3, queue: 2, kv: 2, latency: 0, session: 0, cost: 1, rendezvous: 0 };

const makers: Record<ScorerName, (o: RoutingOptions) => Scorer> = {
  prefix: (o) => prefixScorer(undefined, o.prefixIndex),
  queue: queueScorer,
  kv: kvScorer,
  latency: latencyScorer,
  session: () => sessionScorer(),
  cost: costScorer,
  rendezvous: () => rendezvousScorer(),
};

export interface RoutingOptions {
  /** Replaces the default set when given: scorers not named are off. */
  readonly scorers?: Partial<Record<ScorerName, number>> | undefined;
  readonly saturation?: Partial<SaturationThresholds> | undefined;
  readonly random?: () => number;
  /** The prefix scorer's index, when several schedulers share one. */
  readonly prefixIndex?: PrefixIndex | undefined;
  /** Scorers added to the named ones (benchmarks). */
  readonly extraScorers?: readonly WeightedScorer[] | undefined;
}

export function createScheduler(name: string, options: RoutingOptions = {}): Scheduler {
  const weights = options.scorers ?? defaultWeights;
  const saturation = { ...defaultSaturation, ...options.saturation };
  const scorers = scorerNames.filter((n) => (weights[n] ?? 0) > 0).map((n) => ({ scorer: makers[n](options), weight: weights[n] ?? 0 }));
  scorers.push(...(options.extraScorers ?? []));
  const filters = [healthyFilter(), zoneFilter(), contextFitsFilter(), localFirstFilter(saturation), notSaturatedFilter(saturation)];
  return new Scheduler(name, filters, scorers, options.random);
}
