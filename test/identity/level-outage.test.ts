// Redis cut (through a TCP proxy) while requests hold key, user and team counters: admissions fail
// closed with 503, settlements made during the cut are replayed on every level once Redis answers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createAccess } from '../../src/access/create-access.js';
import { createKey, createTeam, createUser } from '../../src/access/identity-ops.js';
import { LimiterUnavailableError, type LevelSpec, type LimitSpec } from '../../src/access/limiter.js';
import { RedisLimiter } from '../../src/access/redis-limiter.js';
import type { Config } from '../../src/config/schema.js';
import { GatewayError } from '../../src/protocol/errors.js';
import type { Store } from '../../src/store/types.js';
import { REDIS_URL, sqliteTestStore, uniqueName } from '../store/services.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

const redisUrl = new URL(REDIS_URL);
const none: LimitSpec = { rpm: null, tpm: null, concurrency: null, budget: null };
const budget = (limit: number) => ({ limit, periodStart: 0, periodEnd: null, seed: 0 });

describe('levels through a Redis outage', () => {
  let proxy: TcpProxy;
  let store: Store;
  let cleanup: () => Promise<void>;
  const admin = new Redis(REDIS_URL);
  before(async () => {
    proxy = await startTcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379));
    ({ store, cleanup } = await sqliteTestStore.open());
  });
  after(async () => {
    admin.disconnect();
    await proxy.close();
    await cleanup();
  });

  it('replays a settlement made during the cut on the key, the user and the team', async () => {
    const prefix = uniqueName('relais_lvout');
    const l = new RedisLimiter({ url: `redis://127.0.0.1:${proxy.port}`, prefix, commandTimeoutMs: 300, warn: () => undefined });
    const levels: LevelSpec[] = [
      { level: 'key', subject: 'k', spec: { ...none, concurrency: 1, budget: budget(100) } },
      { level: 'user', subject: 'user:u', spec: { ...none, concurrency: 1 } },
      { level: 'team', subject: 'team:t', spec: { ...none, budget: budget(100) } },
    ];
    try {
      assert.equal(await l.ready(), true);
      assert.ok((await l.acquireLevels(levels, { requestId: 'held', tokens: 10, reserve: 2 })).ok);
      proxy.cut();
      await assert.rejects(l.acquireLevels(levels, { requestId: 'during', tokens: 10, reserve: 2 }), LimiterUnavailableError);
      await l.releaseLevels(levels, { requestId: 'held', tokens: 10, cost: 1.5 });
      assert.equal(l.backlogSize, 1);
      proxy.restore();
      const t0 = Date.now();
      while (l.backlogSize > 0) {
        assert.ok(Date.now() - t0 < 10_000, 'backlog not replayed');
        await sleep(50);
      }
      assert.equal(await admin.get(`${prefix}:{k}:spent:0`), '1500000');
      assert.equal(await admin.get(`${prefix}:{team:t}:spent:0`), '1500000');
      for (const s of ['k', 'user:u', 'team:t']) assert.equal(await admin.zcard(`${prefix}:{${s}}:lease`), 0, `${s} lease freed`);
      // The slots are free again on every level.
      assert.ok((await l.acquireLevels(levels, { requestId: 'after', tokens: 10, reserve: 2 })).ok);
    } finally {
      proxy.restore();
      await l.close();
    }
  });

  it('a key with no limits of its own but a limited team fails closed (503) while Redis is cut', async () => {
    const team = await createTeam(store, { name: 'cut', rpm: 1000 }, 'test');
    const user = await createUser(store, { name: 'cut', team_id: team.id }, 'test');
    const { secret } = await createKey(store, { name: 'cut', user_id: user.id }, 'test');
    const models = [{ name: 'm' }] as unknown as Config['models'];
    const access = await createAccess({ config: { models }, store, redis: { url: `redis://127.0.0.1:${proxy.port}`, prefix: uniqueName('relais_lvcut') }, warn: () => undefined });
    try {
      const p = access.authenticate({ authorization: `Bearer ${secret}` });
      const input = (id: string) => ({ requestId: id, model: 'm', endpoint: 'chat' as const, promptTokens: 1, maxTokens: 1 });
      (await access.admit(p, input('ok1'))).settle({ promptTokens: 1, completionTokens: 1, cachedTokens: 0, cost: 0 });
      proxy.cut();
      await assert.rejects(access.admit(p, input('cut1')), (e: unknown) => e instanceof GatewayError && e.status === 503);
      proxy.restore();
      const t0 = Date.now();
      for (;;) {
        try {
          (await access.admit(p, input(`back${Date.now()}`))).settle({ promptTokens: 1, completionTokens: 1, cachedTokens: 0, cost: 0 });
          break;
        } catch (err) {
          assert.ok(err instanceof GatewayError && err.status === 503, String(err));
          assert.ok(Date.now() - t0 < 10_000, 'not admitted again after the cut');
          await sleep(100);
        }
      }
    } finally {
      proxy.restore();
      await access.close();
    }
  });
});
