// Retention of raw usage and prompt logs: on a timer (and on POST /admin/usage/purge), records older
// than the window go in small steps with pauses between them, off the request path; rollups stay for
// ever and are checked to cover each day before its records go. One instance purges at a time.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../store/types.js';

const DAY_MS = 86_400_000;
/** Steps that found the table locked tried again this many times before the run gives up until the next. */
const LOCK_RETRIES = 5;

export interface RetentionOptions {
  /** Days raw records and prompt logs are kept; 0 or null: for ever (prompt logs still expire by key). */
  readonly retentionDays: number | null;
  /** Between timer runs (default hourly; 0: no timer, only purges asked for). */
  readonly everyMs?: number | undefined;
  /** Rows per delete step (default 2,000). */
  readonly batchRows?: number | undefined;
  /** Pause between steps (default 50 ms). */
  readonly pauseMs?: number | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

export interface PurgeResult {
  /** False when another instance sharing the database was purging. */
  readonly ran: boolean;
  /** Records before this time (a UTC day start) were purged; null when retention is off. */
  readonly before: number | null;
  readonly usageRows: number;
  readonly partitionsDropped: number;
  readonly promptLogs: number;
  /** Rollup tables rebuilt from raw records before those went (normally 0). */
  readonly rollupsRebuilt: number;
  readonly ms: number;
}

/** Start of the oldest UTC day kept: whole days go, and at least `days` full days stay. */
export function retentionCutoff(now: number, days: number | null): number | null {
  if (days === null || days === 0) return null;
  return Math.floor((now - days * DAY_MS) / DAY_MS) * DAY_MS;
}

export class UsageRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult> | undefined;
  private stopped = false;
  private readonly batchRows: number;
  private readonly pauseMs: number;
  private readonly warn: (message: string) => void;

  constructor(
    private readonly store: Store,
    private readonly options: RetentionOptions,
  ) {
    this.batchRows = options.batchRows ?? 2_000;
    this.pauseMs = options.pauseMs ?? 50;
    this.warn = options.warn ?? ((m) => console.warn(m));
  }

  /** Partitions for the days ahead now; then a run every `everyMs`. */
  start(): void {
    void this.prepare(Date.now()).catch((err: unknown) => this.warn(`relais usage: creating usage partitions failed: ${String(err)}`));
    const every = this.options.everyMs ?? 3_600_000;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.warn(`relais usage: retention purge failed: ${String(err)}`));
    }, every);
    this.timer.unref();
  }

  get retentionDays(): number | null {
    return this.options.retentionDays || null;
  }

  /** Stops the timer; a run in progress ends after its current step. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Purges now; a call during a run joins it. `keepDays` keeps more than the configured window for this
   * run (never less: callers check with allowsKeeping).
   */
  run(now = Date.now(), keepDays?: number): Promise<PurgeResult> {
    this.running ??= this.locked(now, keepDays ?? this.options.retentionDays).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async prepare(now: number): Promise<void> {
    // Today, yesterday (late records) and a week ahead: records never wait for a partition.
    await this.store.ensureUsagePartitions(now - DAY_MS, now + 8 * DAY_MS);
  }

  /** True when a run may keep `days` days: at least the configured window, which must not be 'for ever'. */
  allowsKeeping(days: number): boolean {
    const configured = this.retentionDays;
    return configured !== null && Number.isInteger(days) && days >= configured && days <= 36_500;
  }

  private async locked(now: number, keepDays: number | null): Promise<PurgeResult> {
    const t0 = performance.now();
    const before = retentionCutoff(now, keepDays);
    const r = await this.store.withPurgeLock(() => this.purge(now, before));
    if (r.ran) return { ...r.value, ms: Math.round(performance.now() - t0) };
    return { ran: false, before, usageRows: 0, partitionsDropped: 0, promptLogs: 0, rollupsRebuilt: 0, ms: Math.round(performance.now() - t0) };
  }

  private async purge(now: number, before: number | null): Promise<Omit<PurgeResult, 'ms'>> {
    await this.prepare(now).catch((err: unknown) => this.warn(`relais usage: creating usage partitions failed (tried again next run): ${String(err)}`));
    let rollupsRebuilt = 0;
    let usageRows = 0;
    let partitionsDropped = 0;
    if (before !== null) {
      // Every day about to go has rollups covering it, checked one day at a time.
      for (let t = await this.store.firstUsageFrom(0, before); t !== undefined && !this.stopped; ) {
        const day = Math.floor(t / DAY_MS) * DAY_MS;
        rollupsRebuilt += await this.store.completeUsageRollups(day);
        await sleep(0);
        t = await this.store.firstUsageFrom(day + DAY_MS, before);
      }
      let waits = 0;
      while (!this.stopped) {
        let step;
        try {
          step = await this.store.purgeUsageStep(before, this.batchRows);
        } catch (err) {
          // 55P03: PostgreSQL's usage table stayed locked past the step's lock timeout (a long reader).
          if ((err as { code?: string }).code !== '55P03' || ++waits > LOCK_RETRIES) throw err;
          await sleep(Math.max(this.pauseMs, 500));
          continue;
        }
        usageRows += step.rows;
        partitionsDropped += step.partitions;
        if (step.rows === 0 && step.partitions === 0) break;
        await sleep(this.pauseMs);
      }
    }
    let promptLogs = 0;
    while (!this.stopped) {
      const n = await this.store.purgePromptLogStep(before ?? Number.MIN_SAFE_INTEGER, now, this.batchRows);
      promptLogs += n;
      if (n < this.batchRows) break;
      await sleep(this.pauseMs);
    }
    return { ran: true, before, usageRows, partitionsDropped, promptLogs, rollupsRebuilt };
  }
}
