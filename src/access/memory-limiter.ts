// In-process limiter: exact sliding windows (one entry per request) for a single gateway instance.
import {
  checkAcquire, DEFAULT_LEASE_MS, DEFAULT_WINDOW_MS, fromMicro, reserveMicro, seedMicro, toMicro, validCredits, validTokens,
  type AcquireRequest, type AcquireResult, type LimitReason, type LimitSpec, type LimitState, type Limiter,
  type LimiterOptions, type ReleaseRequest, type WindowState, type LevelSpec, type LevelsResult,
} from './limiter.js';

/**
 * Entries in arrival order with an exact running sum. A ring of typed arrays rather than an object per
 * request: at thousands of requests a second a 60-s window holds hundreds of thousands of entries,
 * which as objects all lived long enough to reach the old generation and made the GC's full pauses.
 */
class Window {
  private times = new Float64Array(64);
  private weights = new Float64Array(64);
  /** Absolute index of the oldest entry, and one past the newest. */
  private head = 0;
  private tail = 0;
  /** Requests whose weight settle() may still correct: id → absolute index, in index order. */
  private readonly open = new Map<string, number>();
  /** No open entry has an index below this (a lower bound): prune looks for unsettled ones only past it. */
  private openLow = Infinity;
  sum = 0;

  prune(cutoff: number): void {
    const mask = this.times.length - 1;
    while (this.head < this.tail && (this.times[this.head & mask] as number) <= cutoff) {
      this.sum -= this.weights[this.head & mask] as number;
      this.head++;
    }
    // Requests never settled (their entry has left the window) are forgotten: the oldest come first.
    if (this.openLow >= this.head) return;
    this.openLow = Infinity;
    for (const [id, at] of this.open) {
      if (at >= this.head) {
        this.openLow = at;
        break;
      }
      this.open.delete(id);
    }
  }

  /** `id` keeps the entry correctable by settle() until then. */
  add(time: number, weight: number, id?: string): void {
    if (this.tail - this.head === this.times.length) this.grow();
    const mask = this.times.length - 1;
    this.times[this.tail & mask] = time;
    this.weights[this.tail & mask] = weight;
    if (id !== undefined) {
      this.open.set(id, this.tail);
      if (this.tail < this.openLow) this.openLow = this.tail;
    }
    this.tail++;
    this.sum += weight;
  }

  /** The request's real weight replaces its estimate (if its entry is still in the window); undefined only forgets it. */
  settle(id: string, weight: number | undefined): void {
    const at = this.open.get(id);
    if (at === undefined) return;
    this.open.delete(id);
    if (at < this.head || weight === undefined) return;
    const i = at & (this.times.length - 1);
    this.sum += weight - (this.weights[i] as number);
    this.weights[i] = weight;
  }

  /** Time at which enough weight has left the window for `need` to be freed (at the latest: when it is empty). */
  freedAt(need: number, window: number): number {
    const mask = this.times.length - 1;
    let freed = 0;
    let last = 0;
    for (let at = this.head; at < this.tail; at++) {
      freed += this.weights[at & mask] as number;
      last = this.times[at & mask] as number;
      if (freed >= need) break;
    }
    return last + window;
  }

  oldest(): number | undefined {
    return this.head < this.tail ? this.times[this.head & (this.times.length - 1)] : undefined;
  }

  /** Doubles the ring, keeping absolute indexes valid: entries move to index & newMask. */
  private grow(): void {
    const size = this.times.length * 2;
    const times = new Float64Array(size);
    const weights = new Float64Array(size);
    const oldMask = this.times.length - 1;
    for (let at = this.head; at < this.tail; at++) {
      times[at & (size - 1)] = this.times[at & oldMask] as number;
      weights[at & (size - 1)] = this.weights[at & oldMask] as number;
    }
    this.times = times;
    this.weights = weights;
  }
}

interface Lease {
  expires: number;
  reserve: number;
}

class Subject {
  readonly rpm = new Window();
  readonly tpm = new Window();
  readonly leases = new Map<string, Lease>();
  reserved = 0;
  /** Micro-credits spent, for the period that starts at `periodStart`. */
  spent = 0;
  periodStart = -1;

  /** No lease expires before this (a lower bound, as leases only leave): until then prune need not look at them. */
  private leasesCheckAt = Infinity;

  addLease(id: string, expires: number, reserve: number): void {
    this.leases.set(id, { expires, reserve });
    this.reserved += reserve;
    if (expires < this.leasesCheckAt) this.leasesCheckAt = expires;
  }

  prune(now: number, window: number): void {
    this.rpm.prune(now - window);
    this.tpm.prune(now - window);
    if (now < this.leasesCheckAt) return;
    let next = Infinity;
    for (const [id, l] of this.leases) {
      if (l.expires > now) {
        next = Math.min(next, l.expires);
        continue;
      }
      this.leases.delete(id);
      this.reserved -= l.reserve;
    }
    this.leasesCheckAt = next;
  }

  spentFor(spec: LimitSpec): number {
    const b = spec.budget;
    if (!b) return 0;
    if (this.periodStart !== b.periodStart) {
      this.periodStart = b.periodStart;
      this.spent = seedMicro(b.seed);
    }
    return this.spent;
  }
}

function windowState(limit: number | null, w: Window, now: number, window: number): WindowState | null {
  if (limit === null) return null;
  const oldest = w.oldest();
  return { limit, used: w.sum, remaining: Math.max(0, limit - w.sum), resetMs: oldest === undefined ? 0 : Math.max(0, oldest + window - now) };
}

export class MemoryLimiter implements Limiter {
  private readonly subjects = new Map<string, Subject>();
  private readonly window: number;
  private readonly lease: number;

  constructor(
    options: LimiterOptions = {},
    private readonly clock: () => number = Date.now,
  ) {
    this.window = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.lease = options.leaseMs ?? DEFAULT_LEASE_MS;
  }

  private subject(id: string): Subject {
    let s = this.subjects.get(id);
    if (!s) {
      s = new Subject();
      this.subjects.set(id, s);
    }
    return s;
  }

  private state(s: Subject, spec: LimitSpec, now: number): LimitState {
    return {
      rpm: windowState(spec.rpm, s.rpm, now, this.window),
      tpm: windowState(spec.tpm, s.tpm, now, this.window),
      inflight: s.leases.size,
      budget: spec.budget ? { limit: spec.budget.limit, spent: fromMicro(s.spentFor(spec)), reserved: fromMicro(s.reserved) } : null,
    };
  }

  acquire(subjectId: string, spec: LimitSpec, req: AcquireRequest): Promise<AcquireResult> {
    return this.acquireLevels([{ level: 'key', subject: subjectId, spec }], req).then((r) => {
      const state = r.states[0] as LimitState;
      return r.ok ? { ok: true, state } : { ok: false, reason: r.reason, retryAfterMs: r.retryAfterMs, state };
    });
  }

  /** Why a subject cannot take the request now, and when it may (undefined: it can). */
  private refusal(s: Subject, spec: LimitSpec, req: AcquireRequest, now: number): { reason: LimitReason; retryAt: number } | undefined {
    if (spec.concurrency !== null && s.leases.size >= spec.concurrency) return { reason: 'concurrency', retryAt: now + 1000 };
    if (spec.rpm !== null && s.rpm.sum >= spec.rpm) return { reason: 'rpm', retryAt: s.rpm.freedAt(s.rpm.sum - spec.rpm + 1, this.window) };
    if (spec.tpm !== null && s.tpm.sum > 0 && s.tpm.sum + req.tokens > spec.tpm) {
      return { reason: 'tpm', retryAt: s.tpm.freedAt(s.tpm.sum + req.tokens - spec.tpm, this.window) };
    }
    if (spec.budget !== null && s.spentFor(spec) + s.reserved >= toMicro(spec.budget.limit)) return { reason: 'budget', retryAt: now };
    return undefined;
  }

  acquireLevels(levels: readonly LevelSpec[], req: AcquireRequest): Promise<LevelsResult> {
    try {
      for (const l of levels) checkAcquire(l.spec, req);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const now = this.clock();
    // One synchronous pass: no other request runs between the checks and the records.
    const subjects: Subject[] = [];
    for (const l of levels) {
      const s = this.subject(l.subject);
      s.prune(now, this.window);
      subjects.push(s);
    }
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i] as LevelSpec;
      const refused = this.refusal(subjects[i] as Subject, l.spec, req, now);
      if (refused) {
        const states = levels.map((x, j) => this.state(subjects[j] as Subject, x.spec, now));
        return Promise.resolve({ ok: false, level: l.level, reason: refused.reason, retryAfterMs: Math.max(0, refused.retryAt - now), states });
      }
    }
    const states: LimitState[] = [];
    for (let i = 0; i < levels.length; i++) {
      const spec = (levels[i] as LevelSpec).spec;
      const s = subjects[i] as Subject;
      if (spec.rpm !== null) s.rpm.add(now, 1);
      if (spec.tpm !== null) s.tpm.add(now, req.tokens, req.requestId);
      if (spec.concurrency !== null || spec.budget !== null) {
        const reserve = spec.budget ? reserveMicro(req.reserve) : 0;
        s.addLease(req.requestId, now + this.lease, reserve);
      }
      states.push(this.state(s, spec, now));
    }
    return Promise.resolve({ ok: true, states });
  }

  release(subjectId: string, spec: LimitSpec, req: ReleaseRequest): Promise<void> {
    const s = this.subject(subjectId);
    // A count no counter may take leaves the admission estimate in place; a cost likewise charges the reservation.
    s.tpm.settle(req.requestId, validTokens(req.tokens) ? req.tokens : undefined);
    const lease = s.leases.get(req.requestId);
    if (lease) {
      s.leases.delete(req.requestId);
      s.reserved -= lease.reserve;
    }
    if (spec.budget) s.spent = s.spentFor(spec) + (validCredits(req.cost) ? toMicro(req.cost) : (lease?.reserve ?? 0));
    return Promise.resolve();
  }

  releaseLevels(levels: readonly LevelSpec[], req: ReleaseRequest): Promise<void> {
    for (const l of levels) void this.release(l.subject, l.spec, req);
    return Promise.resolve();
  }

  peek(subjectId: string, spec: LimitSpec): Promise<LimitState> {
    const now = this.clock();
    const s = this.subject(subjectId);
    s.prune(now, this.window);
    return Promise.resolve(this.state(s, spec, now));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
