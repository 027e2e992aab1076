// Review (issue 11, items 4 and 5), against the real Redis: a flushed Redis must not reset budgets,
// and a short outage (connections cut through a TCP proxy for 3 s) must not lock concurrency-limited
// keys: settlements made during it are replayed, leases are short and renewed while requests run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createAccess } from '../../src/access/create-access.js';
import { createKey } from '../../src/access/identity-ops.js';
import type { KeyAccess } from '../../src/access/key-access.js';
import type { LimitSpec } from '../../src/access/limiter.js';
import { RedisLimiter } from '../../src/access/redis-limiter.js';
import type { Config } from '../../src/config/schema.js';
import { GatewayError } from '../../src/protocol/errors.js';
import type { Store } from '../../src/store/types.js';
import { REDIS_URL, sqliteTestStore, uniqueName } from '../store/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { sleep } from './harness.js';

const redisPort = Number(new URL(REDIS_URL).port || 6379);
const redisHost = new URL(REDIS_URL).hostname;
// 0.01 credits per token.
const models = [{ name: 'm', price: { input: 10_000, output: 10_000 } }] as unknown as Config['models'];
const config = { models, access: { refresh_ms: 60_000, log_retention_days: 30, open: 'until_first_key' as const } };
let n = 0;
const input = () => ({ requestId: `r${++n}`, model: 'm', endpoint: 'chat' as const, promptTokens: 10, maxTokens: 10 });
const settlement = (tokens: number) => ({ promptTokens: tokens, completionTokens: 0, cachedTokens: 0, cost: tokens / 100 });

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    return err.status;
  }
}

describe('review: Redis outages and flushes', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let admin: Redis;
  const closers: (() => Promise<void>)[] = [];
  before(async () => {
    ({ store, cleanup } = await sqliteTestStore.open());
    admin = new Redis(REDIS_URL);
  });
  after(async () => {
    for (const c of closers.reverse()) await c();
    admin.disconnect();
    await cleanup();
  });

  async function deleteKeys(prefix: string): Promise<number> {
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    return keys.length;
  }

  it('a Redis whose keys are deleted mid-test starts the budget from the store, not from zero (item 4)', async () => {
    const prefix = uniqueName('relais_test');
    const warnings: string[] = [];
    const access: KeyAccess = await createAccess({ config, store, redis: { url: REDIS_URL, prefix }, warn: (m) => warnings.push(m) });
    closers.push(() => access.close());
    const { row, secret } = await createKey(store, { name: 'flushed', budget: 1, budget_period: 'monthly' }, 'test');
    await access.refresh();
    const p = access.authenticate({ authorization: `Bearer ${secret}` });
    // Spend the whole budget; the usage writer records the same costs in the store.
    for (let i = 0; i < 5; i++) (await access.admit(p, input())).settle(settlement(20));
    await store.insertUsage(Array.from({ length: 5 }, (_, i) => ({
      requestId: `u${i}`, time: Date.now(), keyId: row.id, model: 'm', endpoint: 'chat' as const, status: 200, outcome: 'completed' as const,
      promptTokens: 20, completionTokens: 0, tokensEstimated: false, cost: 0.2, queueMs: 0, totalMs: 1, stream: false,
    })));
    await sleep(50);
    assert.equal(await status(access.admit(p, input())), 402, 'the budget is spent');
    assert.ok((await deleteKeys(prefix)) > 0, 'Redis held the counters');
    assert.equal(await status(access.admit(p, input())), 402, 'a fresh Redis still knows the spend');
    const st = await access.status(p);
    assert.equal(st.limits?.budget?.spent, 1);
  });

  it('a 3 s outage does not lock a concurrency-limited key: settlements are replayed, slots free at once (item 5)', async () => {
    const proxy: TcpProxy = await startTcpProxy(redisHost, redisPort);
    closers.push(() => proxy.close());
    const prefix = uniqueName('relais_test');
    const warnings: string[] = [];
    const access = await createAccess({ config, store, redis: { url: `redis://127.0.0.1:${proxy.port}`, prefix }, warn: (m) => warnings.push(m) });
    closers.push(() => access.close());
    const { secret } = await createKey(store, { name: 'blip', concurrency: 2, budget: 10, budget_period: 'monthly' }, 'test');
    await access.refresh();
    const p = access.authenticate({ authorization: `Bearer ${secret}` });
    const running = [await access.admit(p, input()), await access.admit(p, input())];
    assert.equal(await status(access.admit(p, input())), 429, 'both slots are taken');

    proxy.cut();
    assert.equal(await status(access.admit(p, input())), 503, 'fail closed while Redis is away');
    // Both requests end during the outage: their settlements cannot reach Redis.
    for (const t of running) t.settle(settlement(1));
    await sleep(3_000);
    proxy.restore();
    const restoredAt = performance.now();
    let recovered = -1;
    while (performance.now() - restoredAt < 10_000) {
      const s = await status(access.admit(p, input()).then((t) => t.settle(settlement(0))));
      if (s === 200) {
        recovered = performance.now() - restoredAt;
        break;
      }
      assert.ok(s === 503 || s === 429, `status ${s}`);
      await sleep(50);
    }
    console.log(`# after a 3 s Redis outage the key was usable again ${recovered.toFixed(0)} ms after Redis came back`);
    assert.ok(recovered >= 0, 'the key stayed locked for 10 s after Redis came back');
    await sleep(50);
    const st = await access.status(p);
    assert.equal(st.limits?.inflight, 0);
    assert.equal(st.limits?.budget?.spent, 0.02, 'each settlement counted exactly once');
    assert.ok(warnings.some((w) => /replayed 2 queued settlements/.test(w)), warnings.join('\n'));
  });

  it('leases are renewed while a request runs, and a dead instance frees its slot within a lease (item 5)', async () => {
    const proxy = await startTcpProxy(redisHost, redisPort);
    closers.push(() => proxy.close());
    const prefix = uniqueName('relais_test');
    const lease = 1_500;
    const a = new RedisLimiter({ url: `redis://127.0.0.1:${proxy.port}`, prefix, leaseMs: lease, warn: () => undefined });
    const b = new RedisLimiter({ url: REDIS_URL, prefix, leaseMs: lease, warn: () => undefined });
    closers.push(() => b.close(), () => a.close());
    const spec: LimitSpec = { rpm: null, tpm: null, concurrency: 1, budget: null };
    assert.ok((await a.acquire('k', spec, { requestId: 'long', tokens: 1, reserve: 0 })).ok);
    // The request on instance a runs for two leases: renewals keep its slot.
    await sleep(2 * lease);
    const during = await b.acquire('k', spec, { requestId: 'other', tokens: 1, reserve: 0 });
    assert.ok(!during.ok && during.reason === 'concurrency', 'the running request kept its slot');
    // Instance a dies (no release, no renewal): its slot frees within one lease.
    proxy.cut();
    const diedAt = performance.now();
    let freedMs = -1;
    while (performance.now() - diedAt < 4 * lease) {
      if ((await b.acquire('k', spec, { requestId: `try${++n}`, tokens: 1, reserve: 0 })).ok) {
        freedMs = performance.now() - diedAt;
        break;
      }
      await sleep(50);
    }
    console.log(`# a dead instance's slot was free ${freedMs.toFixed(0)} ms after it died (lease ${lease} ms)`);
    assert.ok(freedMs >= 0 && freedMs <= 2 * lease, `freed after ${freedMs} ms`);
  });
});
