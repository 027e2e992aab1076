// The primary's side of a worker's limiter batch: each call decided in order by the one limiter, each
// with its own reply. `held` learns which requests hold a lease (a worker that dies has them released).
import type { LevelSpec, Limiter } from '../access/limiter.js';
import type { LimiterCall, LimiterReply } from './messages.js';

export interface HeldLeases {
  set(requestId: string, levels: readonly LevelSpec[]): void;
  delete(requestId: string): void;
}

function decide(limiter: Limiter, m: LimiterCall, held: HeldLeases): Promise<unknown> {
  switch (m.op) {
    case 'acquire':
      return limiter.acquire(m.subject, m.spec, m.req).then((r) => {
        if (r.ok) held.set(m.req.requestId, [{ level: 'key', subject: m.subject, spec: m.spec }]);
        return r;
      });
    case 'acquireLevels':
      return limiter.acquireLevels(m.levels, m.req).then((r) => {
        if (r.ok) held.set(m.req.requestId, m.levels);
        return r;
      });
    case 'release':
      held.delete(m.req.requestId);
      return limiter.release(m.subject, m.spec, m.req);
    case 'releaseLevels':
      held.delete(m.req.requestId);
      return limiter.releaseLevels(m.levels, m.req);
    case 'peek':
      return limiter.peek(m.subject, m.spec);
  }
}

/** Decides every call in order (none waits for another's answer) and resolves with their replies. */
export function answerBatch(limiter: Limiter | undefined, calls: readonly LimiterCall[], held: HeldLeases): Promise<LimiterReply[]> {
  return Promise.all(
    calls.map((m) =>
      (limiter ? decide(limiter, m, held) : Promise.reject(new Error('no shared limiter in the primary (the workers use Redis)'))).then(
        (value): LimiterReply => ({ t: 'limiter', id: m.id, ok: true, value }),
        (err: unknown): LimiterReply => ({ t: 'limiter', id: m.id, ok: false, name: err instanceof Error ? err.name : 'Error', message: err instanceof Error ? err.message : String(err) }),
      ),
    ),
  );
}
