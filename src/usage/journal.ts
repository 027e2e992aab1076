// An append-only local journal of usage records, so that kill -9 (or a store that is down at
// shutdown) does not lose the records still buffered in memory. Records are appended in memory and
// written with one write (+ fdatasync) every `intervalMs`; what a crash can lose is bounded by that
// interval plus one write. When the writer has put every journaled record into the store, the file
// is truncated. At start, journals left by dead processes are replayed (journal-replay.ts); the
// store keeps each journal's highest written sequence number, so a replay never writes a record twice.
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, ftruncate, mkdirSync, openSync, unlinkSync, write } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { UsageRecord } from './record.js';

export interface JournalOptions {
  readonly dir: string;
  /** Longest a record waits before it reaches the file (default 10 ms). */
  readonly intervalMs?: number | undefined;
  /** fdatasync after each write: survives an OS crash too, not only a killed process (default true). */
  readonly fsync?: boolean | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

/** `usage-HOST-PID-ID.jsonl`: the process that owns it, and the journal id the store's watermark is kept under. */
export const journalFile = /^usage-([A-Za-z0-9._]+)-(\d+)-([0-9a-f]{16})\.jsonl$/;

export function journalName(pid: number, id: string): string {
  return `usage-${safeHost()}-${pid}-${id}.jsonl`;
}

export function safeHost(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_');
}

/** One line: the record's sequence number, a tab, the record as JSON. */
export function journalLine(seq: number, record: UsageRecord): string {
  return `${seq}\t${JSON.stringify(record)}\n`;
}

const writeAll = (fd: number, text: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const buf = Buffer.from(text, 'utf8');
    const next = (from: number): void => {
      write(fd, buf, from, buf.length - from, null, (err, n) => {
        if (err) reject(err);
        else if (from + n < buf.length) next(from + n);
        else resolve();
      });
    };
    next(0);
  });

const call = (f: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => void, fd: number): Promise<void> =>
  new Promise((resolve, reject) => f(fd, (err) => (err ? reject(err) : resolve())));

export class UsageJournal {
  readonly id: string;
  readonly path: string;
  private readonly fd: number;
  private readonly intervalMs: number;
  private readonly fsync: boolean;
  private readonly warn: (message: string) => void;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** File operations, one after another. */
  private io: Promise<void> = Promise.resolve();
  private lastWarn = 0;
  private counts = { appended: 0, syncs: 0, failedSyncs: 0 };

  constructor(options: JournalOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.id = randomBytes(8).toString('hex');
    this.path = join(options.dir, journalName(process.pid, this.id));
    this.fd = openSync(this.path, 'a');
    this.intervalMs = options.intervalMs ?? 10;
    this.fsync = options.fsync ?? true;
    this.warn = options.warn ?? ((m) => console.warn(m));
  }

  get stats(): { appended: number; syncs: number; failedSyncs: number } {
    return { ...this.counts };
  }

  append(seq: number, record: UsageRecord): void {
    this.pending.push(journalLine(seq, record));
    this.counts.appended++;
    if (!this.timer) this.timer = setTimeout(() => void this.sync(), this.intervalMs);
  }

  /** Writes what is pending now; resolves when it is on disk (or failed: a full disk only warns). */
  sync(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return this.io;
    const text = this.pending.join('');
    this.pending = [];
    this.io = this.io
      .then(() => writeAll(this.fd, text))
      .then(() => (this.fsync ? call(fdatasync, this.fd) : undefined))
      .then(
        () => {
          this.counts.syncs++;
        },
        (err: unknown) => {
          this.counts.failedSyncs++;
          this.warnOnce(`relais usage: journal write failed (records are still buffered in memory): ${String(err)}`);
        },
      );
    return this.io;
  }

  /** Every record appended so far is in the store: forget them. */
  checkpoint(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.io = this.io.then(() => call((fd, cb) => ftruncate(fd, 0, cb), this.fd)).catch(() => undefined);
  }

  /** Writes what is pending and closes; `remove` deletes the file (everything reached the store). */
  async close(remove: boolean): Promise<void> {
    if (remove) this.checkpoint();
    else await this.sync();
    await this.io;
    closeSync(this.fd);
    if (remove) unlinkSync(this.path);
  }

  private warnOnce(message: string): void {
    const now = Date.now();
    if (now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    this.warn(message);
  }
}
