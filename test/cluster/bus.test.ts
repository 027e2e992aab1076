// The instances' bus over a real Redis: messages reach the other instances and not the sender; routing
// decisions cross intact (block hashes, session key) and are replayed into the receiver's scheduler.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisBus } from '../../src/cluster/bus.js';
import { RoutingShare } from '../../src/cluster/routing-share.js';
import type { SchedulingRequest } from '../../src/router/scheduler/types.js';
import { REDIS_URL, uniqueName } from '../store/services.js';

function next<T>(arrive: (resolve: (v: T) => void) => void, ms = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nothing arrived')), ms);
    arrive((v) => {
      clearTimeout(timer);
      resolve(v);
    });
  });
}

describe('bus', () => {
  const prefix = uniqueName('relais_bus');
  const a = new RedisBus({ url: REDIS_URL, prefix });
  const b = new RedisBus({ url: REDIS_URL, prefix });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('delivers to the other instances only', async () => {
    const own: string[] = [];
    a.subscribe('changes', (p) => own.push(p.toString()));
    // Both subscriptions must be live before publishing.
    await Promise.all([a.ready, b.ready]);
    const got = next<string>((r) => b.subscribe('changes', (p) => r(p.toString())));
    a.publish('changes', Buffer.from('changed'));
    assert.equal(await got, 'changed');
    assert.deepEqual(own, []);
  });

  it('carries routing decisions, batched, to the other instances’ schedulers', async () => {
    const learned: { model: string; key: string; hashes: number[]; session: string | undefined }[] = [];
    const done = next<void>((r) => {
      new RoutingShare(b, {
        learn: (model, key, req) => {
          learned.push({ model, key, hashes: Array.from(req.prefixHashes), session: req.sessionKey });
          if (learned.length === 3) r();
        },
      });
    });
    const share = new RoutingShare(a, { learn: () => assert.fail('an instance learns only from the others') });
    const req = (hashes: number[], sessionKey?: string): SchedulingRequest => ({ promptTokens: 1, prefixHashes: hashes, sessionKey });
    const big = Array.from({ length: 300 }, (_, i) => 2 ** 52 - 1 - i * 7919);
    share.sent('llama-3.1-8b', 'gpu-1', req([1, 2, 3], 'user-42'));
    share.sent('mödel', 'gpu-2', req(big));
    share.sent('m', 'gpu-3', req([], 'only-a-session'));
    share.sent('m', 'gpu-3', req([])); // nothing to share: not sent
    await done;
    assert.deepEqual(learned, [
      { model: 'llama-3.1-8b', key: 'gpu-1', hashes: [1, 2, 3], session: 'user-42' },
      // At most 256 leading blocks (the prefix scorer's bound).
      { model: 'mödel', key: 'gpu-2', hashes: big.slice(0, 256), session: undefined },
      { model: 'm', key: 'gpu-3', hashes: [], session: 'only-a-session' },
    ]);
    assert.equal(share.counts.sent, 3);
  });
});
