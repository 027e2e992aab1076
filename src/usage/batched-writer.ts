// Usage records and prompt logs leave the hot path through a buffer written in batches; close() flushes.
// A failed write keeps its batch and retries (the transaction rolled back, so nothing is written twice);
// a record the store refuses for itself is dropped and logged, never blocking the others. With a
// journal, every record also goes to a local file first, so a killed process loses (almost) nothing.
import { randomBytes } from 'node:crypto';
import type { PromptLogRow } from '../store/types.js';
import type { UsageStore } from './store-thread.js';
import { BatchInterrupted, writeIsolating } from './isolate-batch.js';
import type { UsageJournal } from './journal.js';
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
  /** Local journal of records not yet in the store (see journal.ts). */
  readonly journal?: UsageJournal | undefined;
}

export interface UsageWriterStats {
  readonly written: number;
  readonly buffered: number;
  readonly failedWrites: number;
  readonly dropped: number;
  /** Records the store refused for themselves (dropped, each logged with its request id). */
  readonly refused: number;
  readonly promptLogsWritten: number;
  readonly purged: number;
}

const DAY_MS = 86_400_000;

export class UsageWriter implements UsageSink {
  private usage: UsageRecord[] = [];
  /** Journal sequence number of each buffered record, in step with `usage`. */
  private seqs: number[] = [];
  private seq = 0;
  private journal: UsageJournal | undefined;
  /**
   * Every batch also moves this writer's watermark (its journal's id, else a random one) in its
   * transaction. After a failure that may have come after the commit (the connection lost before
   * the answer), the watermark tells what was written: those records are not written again.
   */
  private readonly writerId: string;
  private uncertain = false;
  private prompts: PromptLogRow[] = [];
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;
  private closed = false;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly warn: (message: string) => void;
  private readonly timer: NodeJS.Timeout;
  private readonly purgeTimer: NodeJS.Timeout | undefined;
  private counts = { written: 0, failedWrites: 0, dropped: 0, refused: 0, promptLogsWritten: 0, purged: 0 };

  constructor(
    private readonly store: UsageStore,
    options: UsageWriterOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffered = options.maxBuffered ?? 1_000_000;
    this.warn = options.warn ?? ((m) => console.warn(m));
    this.journal = options.journal;
    this.writerId = options.journal?.id ?? randomBytes(8).toString('hex');
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
    this.seqs.push(++this.seq);
    this.journal?.append(this.seq, record);
    if (this.usage.length > this.maxBuffered) {
      const drop = this.usage.length - this.maxBuffered;
      this.usage.splice(0, drop);
      this.seqs.splice(0, drop);
      this.counts.dropped += drop;
      this.warn(`relais usage: buffer full (store unavailable?), dropped ${drop} oldest record(s) from memory${this.journal ? ' (the journal keeps them for the next start)' : ''}`);
    }
    if (this.usage.length >= this.batchSize && !this.scheduled) {
      // A full batch is written soon, but never inside the caller's tick.
      // Until that drain starts, more records do not queue more drains (each would write a sliver).
      this.scheduled = true;
      setImmediate(() => this.background(true));
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
    return this.enqueue(false);
  }

  /** Chains a drain after the one before; `fullOnly` leaves the last partial batch for later. */
  private enqueue(fullOnly: boolean): Promise<void> {
    const next = this.chain.then(() => this.drain(fullOnly));
    // The chain itself never rejects, so one failure does not poison later flushes.
    this.chain = next.catch(() => undefined);
    return next;
  }

  async purge(now = Date.now()): Promise<number> {
    const n = await this.store.purgePromptLogs(now);
    this.counts.purged += n;
    return n;
  }

  /**
   * Stops the timers and flushes, retrying a failing store for up to `retryMs` before giving up;
   * then the journal is removed (everything reached the store) or kept for the next start.
   */
  async close(retryMs = 10_000): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    const deadline = Date.now() + retryMs;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.flush();
        // Records that arrived during the flush go in the same close.
        if (this.usage.length > 0 || this.prompts.length > 0) continue;
        await this.closeJournal(true);
        return;
      } catch (err) {
        if (Date.now() >= deadline) {
          const kept = this.journal ? ` (kept in the journal ${this.journal.path}: written at the next start)` : '';
          await this.closeJournal(false);
          throw new Error(`usage writer: ${this.usage.length} record(s) not written at close${kept}: ${String(err)}`);
        }
        await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1_000)));
      }
    }
  }

  private async closeJournal(remove: boolean): Promise<void> {
    const journal = this.journal;
    this.journal = undefined;
    await journal?.close(remove);
    if (remove) await this.store.forgetJournal(this.writerId).catch(() => undefined);
  }

  private background(fullOnly = false): void {
    if (this.usage.length === 0 && this.prompts.length === 0) return;
    this.enqueue(fullOnly).catch((err: unknown) => this.warn(`relais usage: write failed, will retry: ${String(err)}`));
  }

  private async drain(fullOnly: boolean): Promise<void> {
    this.scheduled = false;
    if (this.uncertain) await this.skipWritten();
    const journalId = this.writerId;
    try {
      await this.drainQueue(
        this.usage,
        this.seqs,
        fullOnly,
        async (part, lastSeq) => {
          // The watermark moves in the same transaction as the records it covers.
          await this.store.insertUsage(part, { journalId, seq: lastSeq as number });
          this.counts.written += part.length;
        },
        (record, err) => {
          this.counts.refused++;
          this.warn(`relais usage: the store refuses record ${record.requestId}; dropped it: ${String(err)}; record: ${JSON.stringify(record)}`);
        },
      );
    } catch (err) {
      this.uncertain = true;
      throw err;
    }
    // Nothing buffered: every record the journal holds is in the store.
    if (this.usage.length === 0) this.journal?.checkpoint();
    await this.drainQueue(
      this.prompts,
      undefined,
      false,
      async (part) => {
        await this.store.insertPromptLogs(part);
        this.counts.promptLogsWritten += part.length;
      },
      (row, err) => this.warn(`relais usage: the store refuses the prompt log of ${row.requestId}; dropped it: ${String(err)}`),
    );
  }

  /** Drops the buffered records the store's watermark says were written (their commit's answer was lost). */
  private async skipWritten(): Promise<void> {
    const mark = await this.store.journalMark(this.writerId);
    let n = 0;
    while (n < this.seqs.length && (this.seqs[n] as number) <= mark) n++;
    this.usage.splice(0, n);
    this.seqs.splice(0, n);
    this.counts.written += n;
    this.uncertain = false;
  }

  /**
   * Writes a queue batch by batch (`seqs`, when given, moves in step with it); a bad row is dropped
   * through `refused`, any other failure puts the batch's unwritten rest back in front and rejects.
   */
  private async drainQueue<T>(
    queue: T[],
    seqs: number[] | undefined,
    fullOnly: boolean,
    write: (part: readonly T[], lastSeq: number | undefined) => Promise<void>,
    refused: (item: T, err: unknown) => void,
  ): Promise<void> {
    // Only what is buffered now: records that arrive meanwhile wait for a full batch or the timer.
    // Draining until empty kept writing transactions of the few dozen records that arrived during
    // the last one (43 on average at 2,700 req/s on PostgreSQL), each with its own rollups and watermark.
    // A drain started by a full buffer writes whole batches only: the few records that slipped in
    // before it started would otherwise go as a sliver of their own (200, 10, 200, 10, …).
    let left = fullOnly ? queue.length - (queue.length % this.batchSize) : queue.length;
    while (left > 0 && queue.length > 0) {
      const batch = queue.splice(0, Math.min(this.batchSize, left));
      left -= batch.length;
      const batchSeqs = seqs?.splice(0, batch.length);
      try {
        await writeIsolating(batch, (part, offset) => write(part, batchSeqs?.[offset + part.length - 1]), refused);
      } catch (err) {
        const done = err instanceof BatchInterrupted ? err.done : 0;
        queue.unshift(...batch.slice(done));
        if (batchSeqs) seqs?.unshift(...batchSeqs.slice(done));
        this.counts.failedWrites++;
        throw err instanceof BatchInterrupted ? err.cause : err;
      }
    }
  }
}

export function createUsageWriter(store: UsageStore, options: UsageWriterOptions = {}): UsageWriter {
  return new UsageWriter(store, options);
}
