// Routing decisions shared between instances, so that every instance's prefix index (and session map)
// knows what the others sent where: with N gateways behind a round-robin balancer, each would otherwise
// see 1/N of a conversation. Decisions are written straight into a batch buffer on the hot path (no
// per-request objects) and published every FLUSH_MS; receivers replay them into their schedulers as if
// they had made them. Measured against the alternatives in docs/routing.md.
import type { SchedulingRequest } from '../router/scheduler/types.js';
import type { Bus } from './bus.js';

/** Leading blocks shared per decision (the prefix scorer's own bound). */
const MAX_BLOCKS = 256;
/** Longer session keys are not shared (an x-session-id is the client's text). */
const MAX_SESSION_BYTES = 256;
const BATCH_BYTES = 64 * 1024;
/**
 * A publish per event-loop turn was thousands of Redis writes a second under load (and as many
 * messages back to every instance); conversation turns are seconds apart, so 10 ms costs no affinity.
 */
const FLUSH_MS = 10;

export interface RoutingLearner {
  /** Another instance sent a request of `model` with these blocks to the backend `key`. */
  learn(model: string, key: string, req: SchedulingRequest): void;
}

export class RoutingShare {
  private buf = Buffer.allocUnsafe(BATCH_BYTES);
  private len = 0;
  private scheduled = false;
  /** Decisions published and received (for tests and the admin view). */
  readonly counts = { sent: 0, received: 0 };

  constructor(
    private readonly bus: Bus,
    learner: RoutingLearner,
  ) {
    bus.subscribe('routing', (payload) => this.receive(payload, learner));
  }

  /** This instance sent `req` to backend `key` as model `model`. */
  sent(model: string, key: string, req: SchedulingRequest): void {
    const count = Math.min(req.prefixHashes.length, MAX_BLOCKS);
    const session = req.sessionKey !== undefined && Buffer.byteLength(req.sessionKey) <= MAX_SESSION_BYTES ? req.sessionKey : '';
    if (count === 0 && session === '') return;
    const need = 6 + Buffer.byteLength(model) + Buffer.byteLength(key) + Buffer.byteLength(session) + 2 + 8 * count;
    if (this.len + need > this.buf.length) {
      this.flush();
      if (need > this.buf.length) this.buf = Buffer.allocUnsafe(need);
    }
    let o = this.writeString(model, this.len);
    o = this.writeString(key, o);
    o = this.writeString(session, o);
    o = this.buf.writeUInt16LE(count, o);
    const hashes = req.prefixHashes;
    for (let i = 0; i < count; i++) o = this.buf.writeDoubleLE(hashes[i] as number, o);
    this.len = o;
    this.counts.sent++;
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.flushSoon, FLUSH_MS);
    }
  }

  private readonly flushSoon = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    if (this.len === 0) return;
    this.bus.publish('routing', Buffer.from(this.buf.subarray(0, this.len)));
    this.len = 0;
  }

  private writeString(s: string, at: number): number {
    const n = this.buf.write(s, at + 2, 'utf8');
    this.buf.writeUInt16LE(n, at);
    return at + 2 + n;
  }

  private receive(p: Buffer, learner: RoutingLearner): void {
    const hashes: number[] = [];
    let o = 0;
    const str = (): string => {
      const n = p.readUInt16LE(o);
      const s = p.toString('utf8', o + 2, o + 2 + n);
      o += 2 + n;
      return s;
    };
    while (o < p.length) {
      const model = str();
      const key = str();
      const session = str();
      const count = p.readUInt16LE(o);
      o += 2;
      hashes.length = count;
      for (let i = 0; i < count; i++, o += 8) hashes[i] = p.readDoubleLE(o);
      this.counts.received++;
      learner.learn(model, key, { promptTokens: 0, prefixHashes: hashes, sessionKey: session === '' ? undefined : session });
    }
  }
}
