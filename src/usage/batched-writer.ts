// Usage records and prompt logs leave the hot path through a buffer written in batches; close() flushes.
// A failed write keeps its batch and retries (the transaction rolled back, so nothing is written twice).
import type { PromptLogRow, Store } from '../store/types.js';
import type { UsageRecord, UsageSink, PromptLogEntry } from './record.js';


export interface UsageWriterOptions {
  /** Records per transaction (default 500). */
  readonly batchSize?: number | undefined;
  /** Longest a record waits in the buffer (default 1 s). */
  readonly flushMs?: number | undefined;
  /** Past this many buffered records (store down for long), the oldest are dropped and counted (default 1,000,000). */
  readonly maxBuffered?: number | undefined;
  /** How often expired prompt logs are purged (default hourly; 0 disables). */
  readonly purgeEveryMs?: number | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

export interface UsageWriterStats {
  readonly written: number;
  readonly buffered: number;
  readonly failedWrites: number;
  readonly dropped: number;
  readonly promptLogsWritten: number;
  readonly purged: number;
}

const DAY_MS = 86_400_000;

export class UsageWriter implements UsageSink {
  private usage: UsageRecord[] = [];
  private prompts: PromptLogRow[] = [];
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  private closed = false;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly warn: (message: string) => void;
  private readonly timer: NodeJS.Timeout;
  private readonly purgeTimer: NodeJS.Timeout | undefined;
  private counts = { written: 0, failedWrites: 0, dropped: 0, promptLogsWritten: 0, purged: 0 };

  constructor(
    private readonly store: Store,
    options: UsageWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 1_000_000;
    this.warn = options.warn ?? ((m) => console.warn(m));
    this.timer = setInterval(() => this.background(), options.flushMs ?? 1_000);
    this.timer.unref();
    const purgeEvery = options.purgeEveryMs ?? 3_600_000;
    if (purgeEvery > 0) {
      this.purgeTimer = setInterval(() => void this.purge().catch((err: unknown) => this.warn(`relais usage: purge failed: ${String(err)}`)), purgeEvery);
      this.purgeTimer.unref();
    }
  }

  get stats(): UsageWriterStats {
    return { ...this.counts, buffered: this.usage.length };
  }

  record(record: UsageRecord): void {
    if (this.closed) this.warn(`relais usage: record ${record.requestId} after close; writing it anyway`);
    this.usage.push(record);
    if (this.usage.length > this.maxBuffered) {
      const drop = this.usage.length - this.maxBuffered;
      this.usage.splice(0, drop);
      this.counts.dropped += drop;
      this.warn(`relais usage: buffer full (store unavailable?), dropped ${drop} oldest record(s)`);
    }
    if (this.usage.length >= this.batchSize && !this.scheduled) {
      // A full batch is written soon, but never inside the caller's tick.
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.background();
      });
    }
  }

  recordPrompt(entry: PromptLogEntry): void {
    this.prompts.push({
      requestId: entry.requestId,
      time: entry.time,
      keyId: entry.keyId ?? null,
      model: entry.model,
      request: entry.request,
      response: entry.response,
      expiresAt: entry.time + entry.retentionDays * DAY_MS,
    });
  }

  /** Writes everything buffered now; rejects if the store fails (the records stay buffered). */
  flush(): Promise<void> {
    const next = this.chain.then(() => this.drain());
    // The chain itself never rejects, so one failure does not poison later flushes.
    this.chain = next.catch(() => undefined);
    return next;
  }

  async purge(now = Date.now()): Promise<number> {
    const n = await this.store.purgePromptLogs(now);
    this.counts.purged += n;
    return n;
  }

  /** Stops the timers and flushes, retrying a failing store for up to `retryMs` before giving up. */
  async close(retryMs = 10_000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    const deadline = Date.now() + retryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.flush();
        return;
      } catch (err) {
        if (Date.now() >= deadline) {
          throw new Error(`usage writer: ${this.usage.length} record(s) not written at close: ${String(err)}`);
        }
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1_000)));
      }
    }
  }

  private background(): void {
    if (this.usage.length === 0 && this.prompts.length === 0) return;
    this.flush().catch((err: unknown) => this.warn(`relais usage: write failed, will retry: ${String(err)}`));
  }

  private async drain(): Promise<void> {
    await this.drainQueue(this.usage, (batch) => this.store.insertUsage(batch), (n) => (this.counts.written += n));
    await this.drainQueue(this.prompts, (batch) => this.store.insertPromptLogs(batch), (n) => (this.counts.promptLogsWritten += n));
  }

  /** Writes a queue batch by batch; a failed batch goes back to the front and the error to the caller. */
  private async drainQueue<T>(queue: T[], write: (batch: T[]) => Promise<void>, written: (n: number) => void): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, this.batchSize);
      try {
        await write(batch);
        written(batch.length);
      } catch (err) {
        queue.unshift(...batch);
        this.counts.failedWrites++;
        throw err;
      }
    }
  }
}

export function createUsageWriter(store: Store, options: UsageWriterOptions = {}): UsageWriter {
  return new UsageWriter(store, options);
}
