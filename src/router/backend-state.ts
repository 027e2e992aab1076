// Live state of one backend as the router sees it: health, breaker, requests in flight, scraped load.
import type { Backend, EngineLoad } from '../backends/backend.js';
import { CircuitBreaker } from './breaker.js';

export class BackendState {
  inFlight = 0;
  /** Result of the last active health check (optimistic until the first one). */
  healthy = true;
  load: EngineLoad | undefined;
  readonly breaker: CircuitBreaker;

  constructor(
    readonly backend: Backend,
    failureThreshold: number,
    cooldownMs: number,
  ) {
    this.breaker = new CircuitBreaker(failureThreshold, cooldownMs);
  }

  get id(): string {
    return this.backend.id;
  }

  /** Usable for new requests: healthy and not cut off by the breaker. */
  usable(now: number): boolean {
    return this.healthy && this.breaker.available(now);
  }
}

/** One model served by one backend under the backend's own model name. */
export interface Deployment {
  readonly model: string;
  readonly upstreamModel: string;
  readonly state: BackendState;
  readonly context?: number | undefined;
}
