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
  /** Is there a replica this request may use (its key's zones) with room now? */
  readonly canStart: () => boolean;
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

  /**
   * Next waiter that can start: the head of the next key in rotation whose request has room
   * (keys limited to other zones may have to wait while this one goes). Drops waiters that gave up.
   */
  shift(): Waiter | undefined {
    for (let tried = 0; tried < this.rotation.length; ) {
      const key = this.rotation[0] as string;
      const q = this.perKey.get(key) as Waiter[];
      while (q.length > 0 && (q[0] as Waiter).done) {
        q.shift();
        this.size--;
      }
      const head = q[0];
      if (!head) {
        this.rotation.shift();
        this.perKey.delete(key);
        continue;
      }
      this.rotation.push(this.rotation.shift() as string);
      if (!head.canStart()) {
        tried++;
        continue;
      }
      q.shift();
      this.size--;
      if (q.length === 0) {
        this.perKey.delete(key);
        this.rotation.splice(this.rotation.lastIndexOf(key), 1);
      }
      return head;
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
  ) {}

  get length(): number {
    return this.classes.interactive.size + this.classes.batch.size;
  }

  /**
   * Resolves with the milliseconds waited once the request may start (`canStart`: a replica its key
   * may use has room). Fast path: nobody waiting and room → 0 at once, without allocating.
   */
  acquire(key: string, priority: Priority, signal: AbortSignal, canStart: () => boolean): number | Promise<number> {
    if (this.length === 0 && canStart()) return 0;
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
      const w: Waiter = { key, canStart, enqueuedAt: performance.now(), resolve, reject, timer: undefined, done: false };
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

  /** Lets waiting requests start while they have room (call when a request ends or load drops). */
  dispatch(): void {
    if (this.length === 0) return;
    const w = this.classes.interactive.shift() ?? this.classes.batch.shift();
    if (!w) return;
    w.done = true;
    clearTimeout(w.timer);
    w.resolve(performance.now() - w.enqueuedAt);
    // The started request takes its slot synchronously once its continuation runs: look again after it.
    queueMicrotask(() => this.dispatch());
  }
}
