// When is a replica saturated? Its engine queue or KV cache above thresholds (llm-d's defaults),
// or the gateway's own in-flight cap for it reached.
import type { Candidate } from './scheduler/types.js';

export interface SaturationThresholds {
  /** Engine-reported waiting requests at or above which a replica is saturated. */
  readonly queue: number;
  /** KV-cache usage (0..1) at or above which a replica is saturated. */
  readonly kv: number;
}

export const defaultSaturation: SaturationThresholds = { queue: 5, kv: 0.9 };

export function saturated(c: Candidate & { readonly maxInFlight?: number | undefined }, t: SaturationThresholds): boolean {
  return c.waiting >= t.queue || c.kvUsage >= t.kv || (c.maxInFlight !== undefined && c.inFlight >= c.maxInFlight);
}
