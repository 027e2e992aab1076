// Fault injection for a simulated replica: the failures a gateway must survive.

export interface FaultOptions {
  /** Probability that a completion request fails at once with HTTP 500. */
  readonly errorRate?: number;
  /** Probability that a completion request is accepted and never answered (no byte is sent). */
  readonly hangRate?: number;
  /** Multiplies step times: a slow, throttled or shared GPU. */
  readonly slowdown?: number;
  /** The replica crashes when its (N+1)-th completion request arrives: the port closes and every open connection is cut. */
  readonly dieAfter?: number;
}

export function checkFaults(f: FaultOptions): void {
  const rate = (v: number | undefined, name: string): void => {
    if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`${name} must be in [0, 1], got ${v}`);
  };
  rate(f.errorRate, 'error rate');
  rate(f.hangRate, 'hang rate');
  if (f.slowdown !== undefined && !(f.slowdown > 0)) throw new Error(`slowdown must be > 0, got ${f.slowdown}`);
  if (f.dieAfter !== undefined && !(Number.isInteger(f.dieAfter) && f.dieAfter >= 0)) throw new Error(`die-after must be an integer >= 0, got ${f.dieAfter}`);
}
