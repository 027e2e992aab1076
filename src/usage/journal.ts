// An append-only local journal of usage records, so that kill -9 (or a store that is down at
// shutdown) does not lose the records still buffered in memory. Records are appended in memory and
// written with one write every `intervalMs`, each followed by an fdatasync; what kill -9 can lose is
// the records of that interval (an OS crash: those of the fdatasync in flight too). When the writer
// has put every journaled record into the store, the file is truncated. No file operation runs on
// the event loop: writes and truncations go to libuv's pool one at a time, in order (a synchronous
// truncate waited behind the fdatasync in flight, milliseconds that every request waited too).
// At start, journals left by dead processes are replayed (journal-replay.ts); the store keeps each
// journal's highest written sequence number, so a replay never writes a record twice.
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasync, ftruncate, mkdirSync, openSync, unlinkSync, write } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { UsageRecord } from './record.js';

export interface JournalOptions {
  readonly dir: string;
  /** Longest a record waits before it reaches the file (default 10 ms). */
  readonly intervalMs?: number | undefined;
  /** fdatasync after writes: survives an OS crash too, not only a killed process (default true). */
  readonly fsync?: boolean | undefined;
  /** At most one fdatasync per this many ms (default 0: after every write). */
  readonly fsyncMs?: number | undefined;
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

const TRUNCATE = Symbol('truncate');

export class UsageJournal {
  readonly id: string;
  readonly path: string;
  private readonly fd: number;
  private readonly intervalMs: number;
  private readonly fsync: boolean;
  private readonly fsyncMs: number;
  private lastSync = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly warn: (message: string) => void;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** File operations not started yet, in order (the one running is not here). */
  private readonly ops: (string | typeof TRUNCATE)[] = [];
  private running = false;
  private idle: (() => void)[] = [];
  /** The fdatasync in flight, and whether writes came after it started. */
  private syncing: Promise<void> | undefined;
  private dirty = false;
  /** After close the descriptor number may belong to another file: never write to it again. */
  private closed = false;
  private lastWarn = 0;
  private counts = { appended: 0, writes: 0, syncs: 0, failures: 0 };

  constructor(options: JournalOptions) {
    mkdirSync(options.dir, { recursive: true });
    this.id = randomBytes(8).toString('hex');
    this.path = join(options.dir, journalName(process.pid, this.id));
    this.fd = openSync(this.path, 'a');
    this.intervalMs = options.intervalMs ?? 10;
    this.fsync = options.fsync ?? true;
    this.fsyncMs = options.fsyncMs ?? 0;
    this.warn = options.warn ?? ((m) => console.warn(m));
  }

  get stats(): { appended: number; writes: number; syncs: number; failures: number } {
    return { ...this.counts };
  }

  append(seq: number, record: UsageRecord): void {
    this.pending.push(journalLine(seq, record));
    this.counts.appended++;
    this.timer ??= setTimeout(() => this.write(), this.intervalMs);
  }

  /** Writes what is pending now and resolves once it is on disk (fdatasync), or failed: a full disk only warns. */
  async sync(): Promise<void> {
    this.write();
    if (this.running) await new Promise<void>((r) => this.idle.push(r));
    // A write whose fdatasync waits for its interval is synced now.
    if (this.syncTimer !== undefined || this.dirty) {
      while (this.syncing) await this.syncing;
      this.dirty = false;
      this.startSync(true);
    }
    while (this.syncing) await this.syncing;
  }

  /** Every record appended so far is in the store: forget them (lines appended later are written after the truncation). */
  checkpoint(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    if (this.closed) return;
    this.enqueue(TRUNCATE);
  }

  /** Writes what is pending and closes; `remove` deletes the file (everything reached the store). */
  async close(remove: boolean): Promise<void> {
    if (remove) this.checkpoint();
    await this.sync();
    this.closed = true;
    clearTimeout(this.syncTimer);
    closeSync(this.fd);
    if (remove) unlinkSync(this.path);
  }

  /** Hands the pending lines to the file queue as one write. */
  private write(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('');
    this.pending = [];
    this.enqueue(text);
  }

  private enqueue(op: string | typeof TRUNCATE): void {
    this.ops.push(op);
    if (!this.running) this.next();
  }

  /** Runs the next file operation; a write is followed by an fdatasync (which does not hold up the next write). */
  private next(): void {
    const op = this.ops.shift();
    if (op === undefined || this.closed) {
      this.running = false;
      for (const w of this.idle.splice(0)) w();
      return;
    }
    this.running = true;
    if (op === TRUNCATE) {
      ftruncate(this.fd, 0, (err) => {
        if (err) this.fail(err);
        this.next();
      });
      return;
    }
    write(this.fd, op, (err) => {
      if (err) this.fail(err);
      else {
        this.counts.writes++;
        if (this.fsync) this.startSync();
      }
      this.next();
    });
  }

  /** At most one fdatasync at a time, and one per `fsyncMs`; writes made meanwhile get the next one. */
  private startSync(force = false): void {
    if (this.syncing) {
      this.dirty = true;
      return;
    }
    const wait = this.lastSync + this.fsyncMs - performance.now();
    if (wait > 0 && !force) {
      this.syncTimer ??= setTimeout(() => {
        this.syncTimer = undefined;
        if (!this.closed) this.startSync();
      }, wait);
      this.syncTimer.unref();
      return;
    }
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.lastSync = performance.now();
    this.syncing = new Promise<void>((resolve) => {
      fdatasync(this.fd, (err) => {
        if (err) this.fail(err);
        else this.counts.syncs++;
        this.syncing = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.startSync();
        }
        resolve();
      });
    });
  }

  private fail(err: unknown): void {
    this.counts.failures++;
    const now = Date.now();
    if (now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    this.warn(`relais usage: journal write failed (records are still buffered in memory): ${String(err)}`);
  }
}
