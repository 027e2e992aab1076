// Limiter shared by every gateway instance through Redis; each decision is one atomic Lua script.
import { Redis } from 'ioredis';
import { acquireScript, releaseScript } from './redis-scripts.js';
import {
  DEFAULT_LEASE_MS, DEFAULT_WINDOW_MS, LimiterUnavailableError, fromMicro, reserveMicro, toMicro,
  type AcquireRequest, type AcquireResult, type LimitReason, type LimitSpec, type LimitState, type Limiter,
  type LimiterOptions, type ReleaseRequest, type WindowState,
} from './limiter.js';

export interface RedisLimiterOptions extends LimiterOptions {
  readonly url: string;
  /** Prefix of every key, so several deployments (or tests) can share one Redis. */
  readonly prefix?: string | undefined;
  /** A command slower than this counts as Redis unavailable (default 1 s). */
  readonly commandTimeoutMs?: number | undefined;
}

type ScriptReply = [number, string, number, number, number, number, number, number, number, number, number];

interface ScriptedRedis extends Redis {
  relaisAcquire(...args: (string | number)[]): Promise<ScriptReply>;
  relaisRelease(...args: (string | number)[]): Promise<number>;
}

function windowState(limit: number | null, used: number, oldest: number, now: number, window: number): WindowState | null {
  if (limit === null) return null;
  return { limit, used, remaining: Math.max(0, limit - used), resetMs: oldest < 0 ? 0 : Math.max(0, oldest + window - now) };
}

export class RedisLimiter implements Limiter {
  private readonly redis: ScriptedRedis;
  private readonly window: number;
  private readonly lease: number;
  private readonly prefix: string;
  private readonly timeout: number;
  private waiting: Promise<boolean> | undefined;

  constructor(options: RedisLimiterOptions) {
    this.window = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.lease = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.prefix = options.prefix ?? 'relais';
    this.timeout = options.commandTimeoutMs ?? 1_000;
    // No offline queue: while Redis is down, commands fail at once instead of piling up (fail closed is decided above).
    const redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: this.timeout,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    redis.on('error', () => undefined);
    redis.defineCommand('relaisAcquire', { numberOfKeys: 8, lua: acquireScript });
    redis.defineCommand('relaisRelease', { numberOfKeys: 8, lua: releaseScript });
    this.redis = redis as ScriptedRedis;
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

  /** Waits (bounded) for a connection in progress, so start-up and short reconnects do not refuse requests. */
  private async connected(): Promise<void> {
    if (this.redis.status === 'ready') return;
    if (!(await this.ready())) throw new LimiterUnavailableError(new Error(`no connection to Redis (${this.redis.status})`));
  }

  private keys(subject: string, spec: LimitSpec): string[] {
    // One hash tag per subject keeps its keys in one Redis Cluster slot, as scripts require.
    const base = `${this.prefix}:{${subject}}`;
    return [
      `${base}:rpm`, `${base}:tpm`, `${base}:tpmw`, `${base}:tpms`, `${base}:lease`, `${base}:leasew`, `${base}:leases`,
      `${base}:spent:${spec.budget?.periodStart ?? 0}`,
    ];
  }

  private budgetArgs(spec: LimitSpec): [number, number, number] {
    const b = spec.budget;
    if (!b) return [-1, 0, 0];
    // Keep the counter a day past the period's end so late settlements still land on it.
    return [toMicro(b.limit), toMicro(b.seed), b.periodEnd === null ? 0 : b.periodEnd + 86_400_000];
  }

  private async run(subject: string, spec: LimitSpec, req: AcquireRequest, readOnly: boolean): Promise<ScriptReply> {
    const [budget, seed, expireAt] = this.budgetArgs(spec);
    await this.connected();
    try {
      return await this.redis.relaisAcquire(
        ...this.keys(subject, spec), req.requestId, this.window, this.lease, spec.rpm ?? 0, spec.tpm ?? 0,
        spec.concurrency ?? 0, budget, req.tokens, spec.budget ? reserveMicro(req.reserve) : 0, seed, expireAt, readOnly ? '1' : '0',
      );
    } catch (err) {
      throw new LimiterUnavailableError(err);
    }
  }

  private state(spec: LimitSpec, r: ScriptReply): LimitState {
    const [, , , used, tused, inflight, spent, reserved, oldestRpm, oldestTpm, now] = r;
    return {
      rpm: windowState(spec.rpm, used, oldestRpm, now, this.window),
      tpm: windowState(spec.tpm, tused, oldestTpm, now, this.window),
      inflight,
      budget: spec.budget ? { limit: spec.budget.limit, spent: fromMicro(spent), reserved: fromMicro(reserved) } : null,
    };
  }

  async acquire(subject: string, spec: LimitSpec, req: AcquireRequest): Promise<AcquireResult> {
    const r = await this.run(subject, spec, req, false);
    const state = this.state(spec, r);
    if (r[0] === 1) return { ok: true, state };
    return { ok: false, reason: r[1] as LimitReason, retryAfterMs: Math.max(0, r[2]), state };
  }

  async release(subject: string, spec: LimitSpec, req: ReleaseRequest): Promise<void> {
    const [budget, seed, expireAt] = this.budgetArgs(spec);
    await this.connected();
    try {
      await this.redis.relaisRelease(...this.keys(subject, spec), req.requestId, req.tokens, toMicro(req.cost), budget, seed, expireAt);
    } catch (err) {
      throw new LimiterUnavailableError(err);
    }
  }

  async peek(subject: string, spec: LimitSpec): Promise<LimitState> {
    return this.state(spec, await this.run(subject, spec, { requestId: '', tokens: 0, reserve: 0 }, true));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
