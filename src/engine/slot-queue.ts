// Admission for one loaded model: `parallel` requests run, up to `queue` more wait in order,
// beyond that the caller is refused at once (the backend answers 429 with Retry-After).

export class QueueFullError extends Error {
  constructor(readonly retryAfterS: number) {
    super('queue full');
    this.name = 'QueueFullError';
  }
}

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

export class SlotQueue {
  private running = 0;
  private readonly waiters: Waiter[] = [];
  /** Smoothed request duration, for an honest Retry-After. */
  private avgMs = 1000;

  constructor(
    private readonly parallel: number,
    private readonly maxWaiting: number,
  ) {}

  get active(): number {
    return this.running;
  }
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves with a release function once a slot is free; rejects with QueueFullError or the abort reason. */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.running < this.parallel) return Promise.resolve(this.grant());
    if (this.waiters.length >= this.maxWaiting) {
      const rounds = Math.ceil((this.waiters.length + 1) / this.parallel);
      return Promise.reject(new QueueFullError(Math.max(1, Math.ceil((rounds * this.avgMs) / 1000))));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private grant(): () => void {
    this.running++;
    const startedAt = performance.now();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.avgMs = this.avgMs * 0.8 + (performance.now() - startedAt) * 0.2;
      this.running--;
      const next = this.waiters.shift();
      if (next) {
        next.signal.removeEventListener('abort', next.onAbort);
        next.resolve(this.grant());
      }
    };
  }

  /** Fails every waiter (model unloading because of an error or shutdown). */
  rejectAll(err: unknown): void {
    for (const w of this.waiters.splice(0)) {
      w.signal.removeEventListener('abort', w.onAbort);
      w.reject(err);
    }
  }
}
