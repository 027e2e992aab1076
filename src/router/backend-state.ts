// Live state of one backend as the router sees it: health, breaker, requests in flight, scraped load, TTFT.
import type { Backend, EngineLoad } from '../backends/backend.js';
import { CircuitBreaker, type BreakerListener } from './breaker.js';

const TTFT_ALPHA = 0.2;

export interface BackendTraits {
  /** A hosted API billed per token rather than our own hardware. */
  readonly hosted: boolean;
  /** In-flight requests at which the backend counts as saturated. */
  readonly maxConcurrency?: number | undefined;
}

export class BackendState {
  inFlight = 0;
  /** Result of the last active health check (optimistic until the first one). */
  healthy = true;
  load: EngineLoad | undefined;
  /** Moving average of time to first token, ms. */
  ttftMs: number | undefined;
  readonly breaker: CircuitBreaker;

  constructor(
    readonly backend: Backend,
    failureThreshold: number,
    cooldownMs: number,
    readonly traits: BackendTraits = { hosted: false },
    onBreaker?: BreakerListener,
  ) {
    this.breaker = new CircuitBreaker(failureThreshold, cooldownMs, onBreaker);
  }

  get id(): string {
    return this.backend.id;
  }

  /** Usable for new requests: healthy and not cut off by the breaker. */
  usable(now: number): boolean {
    return this.healthy && this.breaker.available(now);
  }

  /** Scraped load, or undefined when missing or older than staleMs. */
  freshLoad(now: number, staleMs: number): EngineLoad | undefined {
    const l = this.load;
    return l && now - l.scrapedAt <= staleMs ? l : undefined;
  }

  observeTtft(ms: number): void {
    this.ttftMs = this.ttftMs === undefined ? ms : this.ttftMs + TTFT_ALPHA * (ms - this.ttftMs);
  }
}

/** One model served by one backend under the backend's own model name. */
export interface Deployment {
  readonly model: string;
  readonly upstreamModel: string;
  readonly state: BackendState;
  readonly context?: number | undefined;
}
