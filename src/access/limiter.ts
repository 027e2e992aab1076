// The limiter: sliding-window rpm/tpm, max concurrency and budget reservations for one subject (a key).
// In memory for one instance, in Redis (atomic scripts) for several; both exact, same interface.

export interface BudgetSpec {
  /** Credits per period. */
  readonly limit: number;
  /** Counters are per period: a new period starts from zero. */
  readonly periodStart: number;
  readonly periodEnd: number | null;
  /** Spent this period according to the store; used when no counter exists yet (restart, new Redis). */
  readonly seed: number;
}

export interface LimitSpec {
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly concurrency: number | null;
  readonly budget: BudgetSpec | null;
}

export interface AcquireRequest {
  readonly requestId: string;
  /** Tokens counted against tpm now (estimated prompt + max_tokens); corrected at release. */
  readonly tokens: number;
  /** Credits reserved against the budget until release. */
  readonly reserve: number;
}

export interface ReleaseRequest {
  readonly requestId: string;
  /** Real prompt + completion tokens. */
  readonly tokens: number;
  /** Real cost in credits. */
  readonly cost: number;
}

export interface WindowState {
  readonly limit: number;
  readonly used: number;
  readonly remaining: number;
  /** Ms until the oldest entry leaves the window (capacity frees up); 0 when empty. */
  readonly resetMs: number;
}

export interface LimitState {
  readonly rpm: WindowState | null;
  readonly tpm: WindowState | null;
  readonly inflight: number;
  readonly budget: { readonly limit: number; readonly spent: number; readonly reserved: number } | null;
}

export type LimitReason = 'rpm' | 'tpm' | 'concurrency' | 'budget';

export type AcquireResult =
  | { readonly ok: true; readonly state: LimitState }
  | { readonly ok: false; readonly reason: LimitReason; readonly retryAfterMs: number; readonly state: LimitState };

export interface Limiter {
  /** Checks every limit and, only when all pass, records the request (all or nothing, atomically). */
  acquire(subject: string, spec: LimitSpec, req: AcquireRequest): Promise<AcquireResult>;
  /** Ends a request: frees its concurrency slot and reservation, corrects tpm, adds the real cost. */
  release(subject: string, spec: LimitSpec, req: ReleaseRequest): Promise<void>;
  peek(subject: string, spec: LimitSpec): Promise<LimitState>;
  close(): Promise<void>;
}

/** Thrown when the limiter's backing service cannot answer (Redis down). */
export class LimiterUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`rate limiter unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'LimiterUnavailableError';
  }
}

export interface LimiterOptions {
  /** Sliding window for rpm and tpm (60 s; tests shorten it). */
  readonly windowMs?: number | undefined;
  /** A request not released within this time frees its slot and reservation (crashed instance). */
  readonly leaseMs?: number | undefined;
}

export const DEFAULT_WINDOW_MS = 60_000;
export const DEFAULT_LEASE_MS = 15 * 60_000;

/** Credits are counted in integer micro-credits so sums stay exact. */
export const toMicro = (credits: number): number => Math.round(credits * 1e6);
export const reserveMicro = (credits: number): number => Math.ceil(credits * 1e6 - 1e-6);
export const fromMicro = (micro: number): number => micro / 1e6;
