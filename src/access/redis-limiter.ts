// Limiter shared by every gateway instance through Redis; decisions are atomic Lua scripts. Admissions
// (and settlements) that arrive while one script is in flight go together in the next, so a busy
// instance sends one script per round trip instead of one per request, and each decision stays exact.
// Leases are short and renewed while a request runs, so a dead instance's slots free within seconds;
// settlements that cannot reach Redis wait in a backlog and are replayed once it answers again.
import { Redis } from 'ioredis';
import { takeBatch, type SubjectTable } from './redis-batch.js';
import { acquireScript, releaseScript, renewScript } from './redis-scripts.js';
import {
  checkAcquire, DEFAULT_WINDOW_MS, LimiterInputError, LimiterUnavailableError, fromMicro, reserveMicro, seedMicro, toMicro, validCredits, validTokens,
  type AcquireRequest, type AcquireResult, type LimitReason, type LimitSpec, type LimitState, type Limiter,
  type LimiterOptions, type ReleaseRequest, type WindowState, type LevelSpec, type LevelsResult,
} from './limiter.js';

export interface RedisLimiterOptions extends LimiterOptions {
  readonly url: string;
  /** Prefix of every key, so several deployments (or tests) can share one Redis. */
  readonly prefix?: string | undefined;
  /** A command slower than this counts as Redis unavailable (default 1 s). */
  readonly commandTimeoutMs?: number | undefined;
  /**
   * The store's spend of a subject in the period starting at `periodStart`, read when its Redis
   * counter does not exist (a new or flushed Redis). Without it the spec's seed is used.
   */
  readonly spendSeed?: ((subject: string, periodStart: number) => Promise<number>) | undefined;
  /** Outage and recovery messages (backlog queued, replayed, dropped). */
  readonly warn?: ((message: string) => void) | undefined;
}

/** Renewed every third of it: an outage shorter than two thirds of a lease keeps every lease. */
export const REDIS_LEASE_MS = 15_000;
/** Settlements kept while Redis is unreachable; past it the oldest are dropped (their leases expire). */
const MAX_BACKLOG = 100_000;
/** How often a non-empty backlog is retried, besides every reconnection. */
const REPLAY_EVERY_MS = 1_000;

/** One request's decision: ok (1, 0 refused, -1 invalid), reason, retry ms, refusing subject (1-based), then 7 numbers per subject (see acquireScript). */
type RequestReply = [number, string, number, number, ...number[]];
/** now, then 'ok' and a reply per request, or 'seed' and the subjects whose spend counter is missing. */
type AcquireReply = [number, string, ...unknown[]];

interface ScriptedRedis extends Redis {
  /** The first argument is the number of keys (8 per subject). */
  relaisAcquire(...args: (string | number)[]): Promise<AcquireReply>;
  relaisRelease(...args: (string | number)[]): Promise<unknown[]>;
  relaisRenew(...args: (string | number)[]): Promise<number>;
}

interface Decided {
  readonly now: number;
  readonly reply: RequestReply;
}

interface Pending {
  readonly levels: readonly LevelSpec[];
  /** Times it waited for the store's spend of a subject Redis had no counter for. */
  seedRounds: number;
  readonly reject: (err: unknown) => void;
}

interface PendingAcquire extends Pending {
  readonly req: AcquireRequest;
  readonly readOnly: boolean;
  readonly resolve: (d: Decided) => void;
}

interface PendingRelease extends Pending {
  readonly item: Backlogged;
  readonly resolve: () => void;
}

const seedKey = (l: LevelSpec): string => `${l.subject}\u0000${l.spec.budget?.periodStart ?? 0}`;

/** Subjects whose keys are kept built; past it the cache starts over. */
const KEY_CACHE_SIZE = 10_000;

interface Held {
  readonly subject: string;
  readonly keys: readonly [string, string, string];
}

interface Backlogged {
  readonly levels: readonly LevelSpec[];
  readonly req: ReleaseRequest;
  /** The failed attempt may have run on Redis (sent, then the connection broke). */
  readonly maybeRan: boolean;
}

function windowState(limit: number | null, used: number, oldest: number, now: number, window: number): WindowState | null {
  if (limit === null) return null;
  return { limit, used, remaining: Math.max(0, limit - used), resetMs: oldest < 0 ? 0 : Math.max(0, oldest + window - now) };
}

/** A script's own refusal of its input is not an outage. */
function scriptError(err: unknown): Error {
  if (err instanceof Error && err.message.includes('relais: invalid')) return new LimiterInputError(err.message);
  return new LimiterUnavailableError(err);
}

export class RedisLimiter implements Limiter {
  private readonly redis: ScriptedRedis;
  private readonly window: number;
  private readonly lease: number;
  private readonly prefix: string;
  private readonly timeout: number;
  private readonly warn: (message: string) => void;
  private waiting: Promise<boolean> | undefined;
  /** Requests of this instance holding a lease, renewed until released. */
  private readonly held = new Map<string, Held[]>();
  private readonly backlog: Backlogged[] = [];
  private replaying: Promise<void> | undefined;
  private outageSince = 0;
  private dropped = 0;
  private readonly renewTimer: NodeJS.Timeout;
  private replayTimer: NodeJS.Timeout | undefined;
  private closing = false;
  /** Admissions and settlements waiting for the scripts in flight (one of each kind at most, sent together). */
  private readonly acquires: PendingAcquire[] = [];
  private readonly releases: PendingRelease[] = [];
  private sending = false;
  private scheduled = false;
  /** Spends read from the store for counters Redis lacked, until a script has used them. */
  private readonly seeds = new Map<string, number>();
  private readonly keyCache = new Map<string, { period: number; keys: readonly string[] }>();

  constructor(private readonly options: RedisLimiterOptions) {
    this.window = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.lease = options.leaseMs ?? REDIS_LEASE_MS;
    this.prefix = options.prefix ?? 'relais';
    this.timeout = options.commandTimeoutMs ?? 1_000;
    this.warn = options.warn ?? ((m) => console.warn(m));
    // No offline queue: while Redis is down, commands fail at once instead of piling up (fail closed is decided above).
    // Auto-pipelining: the admissions and settlements of one event-loop turn go out in one write (a
    // socket write per script call was a fifth of the event loop's time under load).
    const redis = new Redis(options.url, {
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.timeout,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    // A lost connection and its return are logged once each, so operators see why limited keys were refused.
    let lastError = '';
    let lostAt: number | undefined;
    let connected = false;
    redis.on('error', (err: Error) => {
      lastError = err.message;
    });
    redis.on('close', () => {
      if (!connected || this.closing) return;
      connected = false;
      lostAt = Date.now();
      this.warn(`relais limiter: lost the connection to Redis (${lastError || 'closed'}); reconnecting; keys with limits cannot be admitted meanwhile (redis.fail_open decides how)`);
    });
    redis.on('ready', () => {
      connected = true;
      if (lostAt !== undefined) this.warn(`relais limiter: reconnected to Redis after ${Date.now() - lostAt} ms`);
      lostAt = undefined;
      void this.replay();
    });
    // The number of keys (8 per subject) is the first argument of each call.
    redis.defineCommand('relaisAcquire', { lua: acquireScript });
    redis.defineCommand('relaisRelease', { lua: releaseScript });
    redis.defineCommand('relaisRenew', { numberOfKeys: 3, lua: renewScript });
    this.redis = redis as ScriptedRedis;
    this.renewTimer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.lease / 3)));
    this.renewTimer.unref();
  }

  /** Resolves true once connected, false after the command timeout; concurrent callers share one wait. */
  ready(): Promise<boolean> {
    if (this.redis.status === 'ready') return Promise.resolve(true);
    this.waiting ??= new Promise<boolean>((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.redis.off('ready', onReady);
        this.waiting = undefined;
        resolve(ok);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), this.timeout);
      this.redis.once('ready', onReady);
    });
    return this.waiting;
  }

  /** Settlements waiting for Redis to come back. */
  get backlogSize(): number {
    return this.backlog.length;
  }

  /** Waits (bounded) for a connection in progress, so start-up and short reconnects do not refuse requests. */
  private async connected(): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (!(await this.ready())) throw new LimiterUnavailableError(new Error(`no connection to Redis (${this.redis.status})`));
  }

  /** The 8 keys of a subject (the last one per budget period), built once per subject and period. */
  private keys(subject: string, spec: LimitSpec): readonly string[] {
    const period = spec.budget?.periodStart ?? 0;
    const hit = this.keyCache.get(subject);
    if (hit && hit.period === period) return hit.keys;
    // One hash tag per subject keeps its keys in one Redis Cluster slot, as scripts require.
    const base = `${this.prefix}:{${subject}}`;
    const keys = [
      `${base}:rpm`, `${base}:tpm`, `${base}:tpmw`, `${base}:tpms`, `${base}:lease`, `${base}:leasew`, `${base}:leases`, `${base}:spent:${period}`,
    ];
    if (this.keyCache.size >= KEY_CACHE_SIZE) this.keyCache.clear();
    this.keyCache.set(subject, { period, keys });
    return keys;
  }

  /** Budget µcredits (-1 none), the counter's seed (-1: ask the store when it is missing) and its expiry. */
  private budgetArgs(level: LevelSpec): [number, number, number] {
    const b = level.spec.budget;
    if (!b) return [-1, 0, 0];
    const seed = this.seeds.size > 0 ? this.seeds.get(seedKey(level)) : undefined;
    const start = seed !== undefined ? seedMicro(seed) : this.options.spendSeed ? -1 : seedMicro(b.seed);
    // Keep the counter a day past the period's end so late settlements still land on it.
    return [toMicro(b.limit), start, b.periodEnd === null ? 0 : b.periodEnd + 86_400_000];
  }

  /** The store's spend for a counter Redis does not have. */
  private storeSpend(level: LevelSpec): Promise<number> {
    const load = this.options.spendSeed;
    const b = level.spec.budget;
    return load && b ? load(level.subject, b.periodStart) : Promise.resolve(b?.seed ?? 0);
  }

  private tableKeys(table: SubjectTable): (string | number)[] {
    const out: (string | number)[] = [table.size * 8];
    for (const l of table.levels) for (const k of this.keys(l.subject, l.spec)) out.push(k);
    return out;
  }

  /**
   * A script found subjects without a spend counter (a new period, a new or flushed Redis): each item
   * that touches one waits for the store's spend of its own subjects and goes again with it; returns the
   * others, which go on at once. One key's cold counter (or a slow or failing store read) holds or
   * fails only the requests of that key.
   */
  private deferMissing<T extends Pending>(items: readonly T[], subjects: readonly number[][], table: SubjectTable, missing: readonly unknown[], queue: T[]): T[] {
    const loads = new Map<number, Promise<void>>();
    for (const m of missing) {
      const i = Number(m);
      const level = table.levels[i - 1];
      if (level) loads.set(i, this.storeSpend(level).then((spent) => void this.seeds.set(seedKey(level), spent)));
    }
    const rest: T[] = [];
    items.forEach((p, n) => {
      const mine = (subjects[n] as number[]).filter((x) => loads.has(x));
      if (mine.length === 0) return void rest.push(p);
      Promise.all(mine.map((x) => loads.get(x))).then(
        () => {
          if (++p.seedRounds > 2) return p.reject(new LimiterUnavailableError(new Error('spend counter missing after seeding')));
          queue.push(p);
          this.schedule();
        },
        (err: unknown) => p.reject(err),
      );
    });
    return rest;
  }

  /** Counters a script has run with exist in Redis now: their seeds are not needed again. */
  private forgetSeeds(table: SubjectTable): void {
    if (this.seeds.size === 0) return;
    for (const l of table.levels) this.seeds.delete(seedKey(l));
  }

  private queueAcquire(levels: readonly LevelSpec[], req: AcquireRequest, readOnly: boolean): Promise<Decided> {
    return new Promise<Decided>((resolve, reject) => {
      this.acquires.push({ levels, req, readOnly, resolve, reject, seedRounds: 0 });
      this.schedule();
    });
  }

  /** The first item waits for the rest of this event-loop turn; later ones go with the scripts after the ones in flight. */
  private schedule(): void {
    if (this.sending || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.send();
    });
  }

  /**
   * Sends what is queued, settlements first so the capacity they free counts for the admissions: two
   * scripts in one write (ioredis pipelines what is called in one turn), one round trip. Nothing else
   * goes until they answer; what arrives meanwhile makes the next batch.
   */
  private send(): void {
    if (this.sending || this.acquires.length + this.releases.length === 0) return;
    this.sending = true;
    const settled = this.releases.length > 0 ? this.runReleases(takeBatch(this.releases)) : undefined;
    const decided = this.acquires.length > 0 ? this.runAcquires(takeBatch(this.acquires)) : undefined;
    void Promise.all([settled, decided]).finally(() => {
      this.sending = false;
      this.send();
    });
  }

  /** Never rejects: each waiting admission gets its decision or the batch's error. */
  private async runAcquires(batch: ReturnType<typeof takeBatch<PendingAcquire>>): Promise<void> {
    let { items, subjects, table } = batch;
    try {
      for (;;) {
        const args = this.tableKeys(table);
        args.push(this.window, this.lease, table.size);
        for (const l of table.levels) {
          const s = l.spec;
          args.push(s.rpm ?? 0, s.tpm ?? 0, s.concurrency ?? 0, ...this.budgetArgs(l));
        }
        items.forEach((p, i) => {
          const subs = subjects[i] as number[];
          const reserve = p.levels.some((l) => l.spec.budget !== null) ? reserveMicro(p.req.reserve) : 0;
          args.push(p.req.requestId, p.req.tokens, reserve, p.readOnly ? '1' : '0', subs.length, ...subs);
        });
        await this.connected();
        let r: AcquireReply;
        try {
          r = await this.redis.relaisAcquire(...args);
        } catch (err) {
          throw scriptError(err);
        }
        if (r[1] === 'seed') {
          const rest = this.deferMissing(items, subjects, table, r.slice(2), this.acquires);
          if (rest.length === 0) return;
          ({ items, subjects, table } = takeBatch(rest));
          continue;
        }
        this.forgetSeeds(table);
        const now = r[0];
        items.forEach((p, i) => {
          const reply = r[i + 2] as RequestReply;
          if (reply[0] === -1) p.reject(new LimiterInputError(reply[1]));
          else p.resolve({ now, reply });
        });
        return;
      }
    } catch (err) {
      for (const p of items) p.reject(err);
    }
  }

  private states(levels: readonly LevelSpec[], { now, reply }: Decided): LimitState[] {
    return levels.map(({ spec }, i) => {
      const at = 4 + i * 7;
      const [used, tused, inflight, spent, reserved, oldestRpm, oldestTpm] = reply.slice(at, at + 7) as number[];
      return {
        rpm: windowState(spec.rpm, used ?? 0, oldestRpm ?? -1, now, this.window),
        tpm: windowState(spec.tpm, tused ?? 0, oldestTpm ?? -1, now, this.window),
        inflight: inflight ?? 0,
        budget: spec.budget ? { limit: spec.budget.limit, spent: fromMicro(spent ?? 0), reserved: fromMicro(reserved ?? 0) } : null,
      };
    });
  }

  async acquire(subject: string, spec: LimitSpec, req: AcquireRequest): Promise<AcquireResult> {
    const r = await this.acquireLevels([{ level: 'key', subject, spec }], req);
    const state = r.states[0] as LimitState;
    return r.ok ? { ok: true, state } : { ok: false, reason: r.reason, retryAfterMs: r.retryAfterMs, state };
  }

  async acquireLevels(levels: readonly LevelSpec[], req: AcquireRequest): Promise<LevelsResult> {
    for (const l of levels) checkAcquire(l.spec, req);
    const d = await this.queueAcquire(levels, req, false);
    const states = this.states(levels, d);
    const [ok, reason, retry, refused] = d.reply;
    if (ok !== 1) {
      const level = levels[refused - 1]?.level ?? 'key';
      return { ok: false, level, reason: reason as LimitReason, retryAfterMs: Math.max(0, retry), states };
    }
    const held: Held[] = [];
    for (const l of levels) {
      if (l.spec.concurrency === null && l.spec.budget === null) continue;
      const k = this.keys(l.subject, l.spec);
      held.push({ subject: l.subject, keys: [k[4], k[5], k[6]] as [string, string, string] });
    }
    if (held.length > 0) this.held.set(req.requestId, held);
    return { ok: true, states };
  }

  private queueRelease(item: Backlogged): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.releases.push({ levels: item.levels, item, resolve, reject, seedRounds: 0 });
      this.schedule();
    });
  }

  /** Never rejects: each waiting settlement gets the batch's outcome. */
  private async runReleases(batch: ReturnType<typeof takeBatch<PendingRelease>>): Promise<void> {
    let { items, subjects, table } = batch;
    try {
      for (;;) {
        const missing = await this.settle(items, subjects, table);
        if (missing.length > 0) {
          const rest = this.deferMissing(items, subjects, table, missing, this.releases);
          if (rest.length === 0) return;
          ({ items, subjects, table } = takeBatch(rest));
          continue;
        }
        this.forgetSeeds(table);
        for (const p of items) p.resolve();
        return;
      }
    } catch (err) {
      for (const p of items) p.reject(err);
    }
  }

  /**
   * One attempt; resolves with the subjects whose spend counter is missing (nothing changed then), and
   * throws LimiterUnavailableError with `maybeRan` when Redis may have run it.
   */
  private async settle(items: readonly PendingRelease[], subjects: readonly number[][], table: SubjectTable): Promise<unknown[]> {
    const args = this.tableKeys(table);
    args.push(table.size);
    for (const l of table.levels) args.push(...this.budgetArgs(l));
    items.forEach(({ item: { req, maybeRan } }, i) => {
      // A count or cost no counter may take: the estimate and the reservation stand instead.
      const tokens = validTokens(req.tokens) ? req.tokens : -1;
      const cost = validCredits(req.cost) ? toMicro(req.cost) : -1;
      const subs = subjects[i] as number[];
      args.push(req.requestId, tokens, cost, maybeRan ? '1' : '0', subs.length, ...subs);
    });
    await this.connected();
    try {
      return await this.redis.relaisRelease(...args);
    } catch (err) {
      const e = scriptError(err);
      if (e instanceof LimiterUnavailableError) Object.assign(e, { maybeRan: true });
      throw e;
    }
  }

  async release(subject: string, spec: LimitSpec, req: ReleaseRequest): Promise<void> {
    return this.releaseLevels([{ level: 'key', subject, spec }], req);
  }

  async releaseLevels(levels: readonly LevelSpec[], req: ReleaseRequest): Promise<void> {
    this.held.delete(req.requestId);
    const item: Backlogged = { levels, req, maybeRan: false };
    try {
      await this.queueRelease(item);
    } catch (err) {
      if (!(err instanceof LimiterUnavailableError)) throw err;
      this.enqueue({ ...item, maybeRan: (err as { maybeRan?: boolean }).maybeRan === true });
    }
  }

  private enqueue(item: Backlogged): void {
    if (this.backlog.length === 0 && this.outageSince === 0) {
      this.outageSince = Date.now();
      this.warn(`relais limiter: Redis unreachable; settlements are queued and replayed when it is back`);
    }
    this.backlog.push(item);
    if (this.backlog.length > MAX_BACKLOG) {
      this.backlog.shift();
      this.dropped++;
    }
    if (!this.replayTimer) {
      this.replayTimer = setInterval(() => void this.replay(), REPLAY_EVERY_MS);
      this.replayTimer.unref();
    }
  }

  /** Replays the backlog in order; stops at the first outage and tries again later. */
  replay(): Promise<void> {
    this.replaying ??= (async () => {
      let replayed = 0;
      while (this.backlog.length > 0 && this.redis.status === 'ready') {
        const item = this.backlog[0] as Backlogged;
        try {
          await this.queueRelease(item);
        } catch (err) {
          if (err instanceof LimiterUnavailableError) {
            // Sent and lost again: from now on it may have run.
            if ((err as { maybeRan?: boolean }).maybeRan) this.backlog[0] = { ...item, maybeRan: true };
            break;
          }
          this.warn(`relais limiter: dropped the settlement of ${item.req.requestId}: ${err instanceof Error ? err.message : String(err)}`);
        }
        this.backlog.shift();
        replayed++;
      }
      if (this.backlog.length === 0 && this.outageSince !== 0) {
        const lost = this.dropped > 0 ? `; ${this.dropped} dropped (backlog full)` : '';
        this.warn(`relais limiter: Redis is back; replayed ${replayed} queued settlements after ${Date.now() - this.outageSince} ms${lost}`);
        this.outageSince = 0;
        this.dropped = 0;
        if (this.replayTimer) clearInterval(this.replayTimer);
        this.replayTimer = undefined;
      }
    })().finally(() => {
      this.replaying = undefined;
    });
    return this.replaying;
  }

  /** Extends the leases of every request still running here: one script per subject. */
  private async renew(): Promise<void> {
    if (this.held.size === 0 || this.redis.status !== 'ready') return;
    const bySubject = new Map<string, { keys: readonly string[]; ids: string[] }>();
    for (const [id, hs] of this.held) {
      for (const h of hs) {
        let g = bySubject.get(h.subject);
        if (!g) bySubject.set(h.subject, (g = { keys: h.keys, ids: [] }));
        g.ids.push(id);
      }
    }
    // A failed renewal is retried at the next tick; the lease outlives two of them.
    await Promise.all([...bySubject.values()].map((g) => this.redis.relaisRenew(...g.keys, this.lease, ...g.ids).catch(() => undefined)));
  }

  async peek(subject: string, spec: LimitSpec): Promise<LimitState> {
    const levels: LevelSpec[] = [{ level: 'key', subject, spec }];
    return this.states(levels, await this.queueAcquire(levels, { requestId: '', tokens: 0, reserve: 0 }, true))[0] as LimitState;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.renewTimer);
    if (this.replayTimer) clearInterval(this.replayTimer);
    if (this.backlog.length > 0) {
      await this.replay();
      if (this.backlog.length > 0) this.warn(`relais limiter: closing with ${this.backlog.length} settlements not replayed (their leases expire)`);
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
