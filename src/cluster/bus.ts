// The instances' message bus: Redis pub/sub, one channel per topic under the deployment's prefix.
// Messages are hints that make N instances act as one (key changes, routing decisions): a lost
// message costs a little freshness or affinity, never correctness, so publishing never waits or retries.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export type Topic = 'changes' | 'routing';
const topics: readonly Topic[] = ['changes', 'routing'];

/** Bytes of the sender id in front of every message (an instance ignores its own). */
export const SENDER_BYTES = 8;

export interface Bus {
  /** This instance's id on the bus (random per process). */
  readonly sender: Buffer;
  publish(topic: Topic, payload: Buffer): void;
  /** Handlers get the payload without the sender id; only other instances' messages arrive. */
  subscribe(topic: Topic, handler: (payload: Buffer) => void): void;
  /** Called once subscribed and after each reconnection: messages may have been missed before. */
  onResync(handler: () => void): void;
  close(): Promise<void>;
}

export interface RedisBusOptions {
  readonly url: string;
  readonly prefix: string;
  readonly warn?: ((message: string) => void) | undefined;
}

export class RedisBus implements Bus {
  readonly sender = randomBytes(SENDER_BYTES);
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, ((payload: Buffer) => void)[]>();
  private readonly resync: (() => void)[] = [];
  private readonly channels: Record<Topic, string>;
  private lastWarn = 0;
  private closed = false;
  private subscribed = false;
  /** Settles once the first subscription is confirmed (or failed: polling covers that). */
  readonly ready: Promise<void>;

  constructor(private readonly o: RedisBusOptions) {
    this.channels = { changes: `${o.prefix}:bus:changes`, routing: `${o.prefix}:bus:routing` };
    const retryStrategy = (attempt: number): number => Math.min(attempt * 200, 2_000);
    // Publishing while Redis is away fails at once (the message is a hint); the subscriber reconnects and resubscribes.
    this.pub = new Redis(o.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy });
    this.sub = new Redis(o.url, { retryStrategy, maxRetriesPerRequest: null });
    this.pub.on('error', (err: Error) => this.warnOnce(`publisher: ${err.message}`));
    this.sub.on('error', (err: Error) => this.warnOnce(`subscriber: ${err.message}`));
    // Reconnections resubscribe by themselves (ioredis); the first subscription is confirmed below.
    this.sub.on('ready', () => {
      if (this.subscribed) this.resynced();
    });
    this.sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.deliver(channel.toString(), message));
    this.ready = this.sub.subscribe(...topics.map((t) => this.channels[t])).then(
      () => {
        this.subscribed = true;
        this.resynced();
      },
      (err: unknown) => this.warnOnce(`subscribe: ${String(err)}`),
    );
  }

  publish(topic: Topic, payload: Buffer): void {
    if (this.pub.status !== 'ready') return;
    this.pub.publish(this.channels[topic], Buffer.concat([this.sender, payload])).catch((err: unknown) => this.warnOnce(`publish: ${String(err)}`));
  }

  subscribe(topic: Topic, handler: (payload: Buffer) => void): void {
    const ch = this.channels[topic];
    this.handlers.set(ch, [...(this.handlers.get(ch) ?? []), handler]);
  }

  onResync(handler: () => void): void {
    this.resync.push(handler);
  }

  private resynced(): void {
    if (!this.closed) for (const h of this.resync) h();
  }

  private deliver(channel: string, message: Buffer): void {
    if (message.length < SENDER_BYTES || message.subarray(0, SENDER_BYTES).equals(this.sender)) return;
    const payload = message.subarray(SENDER_BYTES);
    for (const h of this.handlers.get(channel) ?? []) {
      try {
        h(payload);
      } catch (err) {
        this.warnOnce(`bad message on ${channel}: ${String(err)}`);
      }
    }
  }

  private warnOnce(message: string): void {
    // At most one line per 10 s: an outage must not flood the log (polling covers what is missed).
    const now = Date.now();
    if (this.closed || now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    (this.o.warn ?? ((m: string) => console.warn(m)))(`relais bus: ${message}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.pub, this.sub].map((r) => r.quit().catch(() => r.disconnect())));
  }
}
