// A worker's limiter when the gateway runs several workers without Redis: every decision is made by
// the primary's one in-memory limiter, so limits and budgets stay exact across workers (one IPC round
// trip per admission and per settlement).
import {
  LimiterInputError, type AcquireRequest, type AcquireResult, type LevelSpec, type LevelsResult, type LimitSpec, type LimitState, type Limiter, type ReleaseRequest,
} from '../access/limiter.js';
import { isWorkerMessage, type LimiterBatch, type LimiterCall, type LimiterReply } from './messages.js';

type Send = (m: LimiterBatch) => void;

export class IpcLimiter implements Limiter {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private outbox: LimiterCall[] = [];
  private inFlight = false;

  constructor(private readonly send: Send = (m) => process.send?.(m)) {}

  /** Feed every message from the primary here. */
  receive(m: unknown): void {
    if (!isWorkerMessage(m) || m.t !== 'limiter-batch' || !('replies' in m)) return;
    for (const r of m.replies) this.settle(r);
    this.inFlight = false;
    this.flush();
  }

  private settle(r: LimiterReply): void {
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    if (r.ok) p.resolve(r.value);
    else p.reject(r.name === 'LimiterInputError' ? new LimiterInputError(r.message.replace(/^rate limiter input refused: /, '')) : new Error(r.message));
  }

  private call<T>(make: (id: number) => LimiterCall): Promise<T> {
    const id = ++this.next;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.outbox.push(make(id));
      // The first call waits for the rest of this event-loop turn; later ones for the batch in flight.
      if (!this.inFlight && this.outbox.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    if (this.inFlight || this.outbox.length === 0) return;
    const calls = this.outbox;
    this.outbox = [];
    this.inFlight = true;
    this.send({ t: 'limiter-batch', calls });
  }

  acquire(subject: string, spec: LimitSpec, req: AcquireRequest): Promise<AcquireResult> {
    return this.call((id) => ({ t: 'limiter', id, op: 'acquire', subject, spec, req }));
  }

  release(subject: string, spec: LimitSpec, req: ReleaseRequest): Promise<void> {
    return this.call((id) => ({ t: 'limiter', id, op: 'release', subject, spec, req }));
  }

  acquireLevels(levels: readonly LevelSpec[], req: AcquireRequest): Promise<LevelsResult> {
    return this.call((id) => ({ t: 'limiter', id, op: 'acquireLevels', levels, req }));
  }

  releaseLevels(levels: readonly LevelSpec[], req: ReleaseRequest): Promise<void> {
    return this.call((id) => ({ t: 'limiter', id, op: 'releaseLevels', levels, req }));
  }

  peek(subject: string, spec: LimitSpec): Promise<LimitState> {
    return this.call((id) => ({ t: 'limiter', id, op: 'peek', subject, spec }));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
