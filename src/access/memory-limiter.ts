// In-process limiter: exact sliding windows (one entry per request) for a single gateway instance.
import {
  checkAcquire, DEFAULT_LEASE_MS, DEFAULT_WINDOW_MS, fromMicro, reserveMicro, seedMicro, toMicro, validCredits, validTokens,
  type AcquireRequest, type AcquireResult, type LimitReason, type LimitSpec, type LimitState, type Limiter,
  type LimiterOptions, type ReleaseRequest, type WindowState, type LevelSpec, type LevelsResult,
} from './limiter.js';

interface Entry {
  time: number;
  weight: number;
}

/** Entries in arrival order (Map keeps insertion order) with an exact running sum of weights. */
class Window {
  readonly entries = new Map<string, Entry>();
  sum = 0;

  prune(cutoff: number): void {
    for (const [id, e] of this.entries) {
      if (e.time > cutoff) break;
      this.entries.delete(id);
      this.sum -= e.weight;
    }
  }

  add(id: string, time: number, weight: number): void {
    this.entries.set(id, { time, weight });
    this.sum += weight;
  }

  /** Time at which enough weight has left the window for `need` to be freed (at the latest: when it is empty). */
  freedAt(need: number, window: number): number {
    let freed = 0;
    let last = 0;
    for (const e of this.entries.values()) {
      freed += e.weight;
      last = e.time;
      if (freed >= need) break;
    }
    return last + window;
  }

  oldest(): number | undefined {
    for (const e of this.entries.values()) return e.time;
    return undefined;
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

  prune(now: number, window: number): void {
    this.rpm.prune(now - window);
    this.tpm.prune(now - window);
    for (const [id, l] of this.leases) {
      if (l.expires > now) continue;
      this.leases.delete(id);
      this.reserved -= l.reserve;
    }
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
      if (spec.rpm !== null) s.rpm.add(req.requestId, now, 1);
      if (spec.tpm !== null) s.tpm.add(req.requestId, now, req.tokens);
      if (spec.concurrency !== null || spec.budget !== null) {
        const reserve = spec.budget ? reserveMicro(req.reserve) : 0;
        s.leases.set(req.requestId, { expires: now + this.lease, reserve });
        s.reserved += reserve;
      }
      states.push(this.state(s, spec, now));
    }
    return Promise.resolve({ ok: true, states });
  }

  release(subjectId: string, spec: LimitSpec, req: ReleaseRequest): Promise<void> {
    const s = this.subject(subjectId);
    const t = s.tpm.entries.get(req.requestId);
    // A count no counter may take leaves the admission estimate in place; a cost likewise charges the reservation.
    if (t && validTokens(req.tokens)) {
      s.tpm.sum += req.tokens - t.weight;
      t.weight = req.tokens;
    }
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
