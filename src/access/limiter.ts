// The limiter: sliding-window rpm/tpm, max concurrency and budget reservations for a subject (a key,
// a user, a team) or for several at once (a request counts against its key, its user and its team).
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

/** Which of a request's subjects a limit belongs to. */
export type LimitLevel = 'key' | 'user' | 'team';

export interface LevelSpec {
  readonly level: LimitLevel;
  /** Counter name: the key id, `user:<id>` or `team:<id>`. */
  readonly subject: string;
  readonly spec: LimitSpec;
}

export type LevelsResult =
  | { readonly ok: true; readonly states: readonly LimitState[] }
  | { readonly ok: false; readonly level: LimitLevel; readonly reason: LimitReason; readonly retryAfterMs: number; readonly states: readonly LimitState[] };

export interface Limiter {
  /** Checks every limit and, only when all pass, records the request (all or nothing, atomically). */
  acquire(subject: string, spec: LimitSpec, req: AcquireRequest): Promise<AcquireResult>;
  /** Ends a request: frees its concurrency slot and reservation, corrects tpm, adds the real cost. */
  release(subject: string, spec: LimitSpec, req: ReleaseRequest): Promise<void>;
  /** acquire() over several subjects in one atomic step: recorded on all of them, or on none (the first refusal, in order). */
  acquireLevels(levels: readonly LevelSpec[], req: AcquireRequest): Promise<LevelsResult>;
  /** release() on every subject acquireLevels() recorded the request on. */
  releaseLevels(levels: readonly LevelSpec[], req: ReleaseRequest): Promise<void>;
  peek(subject: string, spec: LimitSpec): Promise<LimitState>;
  close(): Promise<void>;
}

/** Thrown for a request or spec no counter may take (non-finite, negative, absurd): never recorded. */
export class LimiterInputError extends RangeError {
  constructor(message: string) {
    super(`rate limiter input refused: ${message}`);
    this.name = 'LimiterInputError';
  }
}

/** Most tokens one request may count: far above any real request, far below integer overflow. */
export const MAX_TOKENS = 2 ** 40;
/** Most credits one request may reserve or cost (1e15 micro-credits stays an exact integer). */
export const MAX_CREDITS = 1e9;

export const validTokens = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_TOKENS;
export const validCredits = (c: number): boolean => Number.isFinite(c) && c >= 0 && c <= MAX_CREDITS;
const validLimit = (l: number | null): boolean => l === null || (Number.isFinite(l) && l >= 0);

/** Refuses what would turn a counter into NaN or overflow it (defence in depth: codecs bound these first). */
export function checkAcquire(spec: LimitSpec, req: AcquireRequest): void {
  if (!validTokens(req.tokens)) throw new LimiterInputError(`tokens ${req.tokens} is not a whole number in [0, ${MAX_TOKENS}]`);
  if (!validCredits(req.reserve)) throw new LimiterInputError(`reservation ${req.reserve} is not a number in [0, ${MAX_CREDITS}]`);
  if (!validLimit(spec.rpm) || !validLimit(spec.tpm) || !validLimit(spec.concurrency) || !validLimit(spec.budget?.limit ?? null)) {
    throw new LimiterInputError(`limits must be finite and not negative (rpm ${spec.rpm}, tpm ${spec.tpm}, concurrency ${spec.concurrency}, budget ${spec.budget?.limit})`);
  }
}

/** A stored spend as a counter's start: garbage that is too big fails closed, garbage that is not a number counts as 0. */
export function seedMicro(seed: number): number {
  if (Number.isNaN(seed) || seed <= 0) return 0;
  return toMicro(Math.min(seed, MAX_CREDITS));
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
/** In memory a lease only guards against a request that never settles (the process holds the rest). */
export const DEFAULT_LEASE_MS = 15 * 60_000;

/** Credits are counted in integer micro-credits so sums stay exact. */
export const toMicro = (credits: number): number => Math.round(credits * 1e6);
export const reserveMicro = (credits: number): number => Math.ceil(credits * 1e6 - 1e-6);
export const fromMicro = (micro: number): number => micro / 1e6;
