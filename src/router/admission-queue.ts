// Per-model admission queue in front of saturated replicas: interactive before batch, and within a
// class a round-robin over keys, so one key's burst cannot starve the others. Bounded in length and wait.
import type { Priority } from '../access/principal.js';
import { errors, GatewayError } from '../protocol/errors.js';

export interface QueueOptions {
  /** Requests waiting at most (all keys); beyond it: 429. */
  readonly maxLength: number;
  /** Longest wait before giving up with 503. */
  readonly maxWaitMs: number;
}

interface Waiter {
  readonly key: string;
  readonly enqueuedAt: number;
  resolve(queueMs: number): void;
  reject(err: GatewayError): void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

/** One priority class: a FIFO per key and a rotation over the keys that have waiters. */
class FairClass {
  private readonly perKey = new Map<string, Waiter[]>();
  private readonly rotation: string[] = [];
  size = 0;

  push(w: Waiter): void {
    let q = this.perKey.get(w.key);
    if (!q) {
      q = [];
      this.perKey.set(w.key, q);
      this.rotation.push(w.key);
    }
    q.push(w);
    this.size++;
  }

  /** Next waiter: the head of the next key in rotation (skipping waiters that gave up). */
  shift(): Waiter | undefined {
    while (this.rotation.length > 0) {
      const key = this.rotation.shift() as string;
      const q = this.perKey.get(key) as Waiter[];
      const w = q.shift();
      if (q.length > 0) this.rotation.push(key);
      else this.perKey.delete(key);
      if (w) {
        this.size--;
        if (!w.done) return w;
      }
    }
    return undefined;
  }

  remove(w: Waiter): void {
    const q = this.perKey.get(w.key);
    if (!q) return;
    const i = q.indexOf(w);
    if (i >= 0) {
      q.splice(i, 1);
      this.size--;
    }
    if (q.length === 0) {
      this.perKey.delete(w.key);
      const r = this.rotation.indexOf(w.key);
      if (r >= 0) this.rotation.splice(r, 1);
    }
  }
}

export class AdmissionQueue {
  private readonly classes: Record<Priority, FairClass> = { interactive: new FairClass(), batch: new FairClass() };

  constructor(
    private readonly model: string,
    private readonly options: QueueOptions,
    /** Is there room to start one more request now? */
    private readonly hasCapacity: () => boolean,
  ) {}

  get length(): number {
    return this.classes.interactive.size + this.classes.batch.size;
  }

  /**
   * Resolves with the milliseconds waited once the request may start. Fast path: no waiting requests
   * and capacity → resolves at once without allocating.
   */
  acquire(key: string, priority: Priority, signal: AbortSignal): number | Promise<number> {
    if (this.length === 0 && this.hasCapacity()) return 0;
    if (this.length >= this.options.maxLength) {
      throw new GatewayError({
        status: 429,
        type: 'rate_limit_error',
        code: 'queue_full',
        message: `The queue for '${this.model}' is full (${this.options.maxLength} waiting). Retry later.`,
        headers: { 'retry-after': '1' },
      });
    }
    return new Promise<number>((resolve, reject) => {
      const w: Waiter = { key, enqueuedAt: performance.now(), resolve, reject, timer: undefined, done: false };
      const fail = (err: GatewayError): void => {
        if (w.done) return;
        w.done = true;
        clearTimeout(w.timer);
        this.classes[priority].remove(w);
        reject(err);
      };
      w.timer = setTimeout(
        () => fail(errors.unavailable(`'${this.model}' is overloaded: no capacity within ${this.options.maxWaitMs} ms.`, Math.ceil(this.options.maxWaitMs / 1000))),
        this.options.maxWaitMs,
      );
      signal.addEventListener('abort', () => fail(errors.badGateway('client went away while queued')), { once: true });
      this.classes[priority].push(w);
    });
  }

  /** Lets waiting requests start while there is capacity (call when a request ends or load drops). */
  dispatch(): void {
    while (this.length > 0 && this.hasCapacity()) {
      const w = this.classes.interactive.shift() ?? this.classes.batch.shift();
      if (!w) return;
      w.done = true;
      clearTimeout(w.timer);
      w.resolve(performance.now() - w.enqueuedAt);
      // The started request takes capacity only once it reaches a replica; let the event loop run it.
      if (!this.hasCapacity()) return;
      break;
    }
    if (this.length > 0 && this.hasCapacity()) queueMicrotask(() => this.dispatch());
  }
}
