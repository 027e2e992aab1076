// Passive circuit breaker: after `threshold` consecutive failures a backend is out for `cooldownMs`,
// then one trial request (half-open) decides whether it comes back.

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Told of every change of state (operators get a log line for each). */
export type BreakerListener = (to: BreakerState, from: BreakerState, failures: number) => void;

export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trialInFlight = false;
  state: BreakerState = 'closed';

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly onChange?: BreakerListener,
  ) {}

  private set(to: BreakerState): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.onChange?.(to, from, this.failures);
  }

  /** May a request go to this backend now? Takes the half-open trial slot when it grants one. */
  allow(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') {
      if (now < this.openUntil) return false;
      this.set('half-open');
      this.trialInFlight = false;
    }
    if (this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  /** Would allow() grant a request now (without taking the trial slot)? */
  available(now: number): boolean {
    if (this.state === 'closed') return true;
    if (this.state === 'open') return now >= this.openUntil;
    return !this.trialInFlight;
  }

  /** The request holding the trial slot ended without a verdict (the client left): free the slot. */
  release(): void {
    this.trialInFlight = false;
  }

  success(): void {
    this.failures = 0;
    this.trialInFlight = false;
    this.set('closed');
  }

  failure(now: number): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.state === 'half-open' || this.failures >= this.threshold) {
      this.openUntil = now + this.cooldownMs;
      this.set('open');
    }
  }
}
