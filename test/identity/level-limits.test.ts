// Limits on users and teams through the access stage (real SQLite store; in-memory and Redis limiters):
// all or nothing across levels, the refusing level named, seeds for user and team budgets, bad input.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createAccess } from '../../src/access/create-access.js';
import { createKey, createTeam, createUser, updateTeam, updateUser } from '../../src/access/identity-ops.js';
import type { KeyAccess } from '../../src/access/key-access.js';
import { MemoryLimiter } from '../../src/access/memory-limiter.js';
import { RedisLimiter } from '../../src/access/redis-limiter.js';
import type { LevelSpec, Limiter, LimitSpec } from '../../src/access/limiter.js';
import { GatewayError } from '../../src/protocol/errors.js';
import type { Config } from '../../src/config/schema.js';
import type { Store } from '../../src/store/types.js';
import { REDIS_URL, sqliteTestStore, uniqueName } from '../store/services.js';

const models = [{ name: 'm', price: { input: 1000, output: 1000 } }] as unknown as Config['models'];
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
let n = 0;
const input = () => ({ requestId: `lv${++n}`, model: 'm', endpoint: 'chat' as const, promptTokens: 10, maxTokens: 990 });
const none: LimitSpec = { rpm: null, tpm: null, concurrency: null, budget: null };

async function refusal(p: Promise<unknown>): Promise<GatewayError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

const kinds = [
  { name: 'memory', redis: () => null },
  { name: 'redis', redis: () => ({ url: REDIS_URL, prefix: uniqueName('relais_lv') }) },
] as const;

describe('user and team limits', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const accesses: KeyAccess[] = [];
  before(async () => {
    ({ store, cleanup } = await sqliteTestStore.open());
  });
  after(async () => {
    await Promise.all(accesses.map((a) => a.close()));
    await cleanup();
  });

  for (const kind of kinds) {
    const open = async () => {
      const a = await createAccess({ config: { models, access: { refresh_ms: 100, log_retention_days: 30 } }, store, redis: kind.redis(), warn: () => undefined });
      accesses.push(a);
      return a;
    };

    it(`${kind.name}: a team's rpm refuses with 429 naming the team, and a refusal records nothing on the other levels`, async () => {
      const team = await createTeam(store, { name: `t-${kind.name}`, rpm: 3 }, 'test');
      const user = await createUser(store, { name: 'u', team_id: team.id, rpm: 100 }, 'test');
      const k1 = await createKey(store, { name: 'a', user_id: user.id, rpm: 4 }, 'test');
      const k2 = await createKey(store, { name: 'b', user_id: user.id }, 'test');
      const a = await open();
      const p1 = a.authenticate(bearer(k1.secret));
      const p2 = a.authenticate(bearer(k2.secret));
      for (const p of [p1, p2, p1]) (await a.admit(p, input())).settle({ promptTokens: 10, completionTokens: 10, cachedTokens: 0, cost: 0 });
      const err = await refusal(a.admit(p2, input()));
      assert.equal(err.status, 429);
      assert.equal(err.param, 'team');
      assert.equal(err.headers['x-relais-limit-level'], 'team');
      assert.match(err.message, /requests per minute \(your team\)/);
      assert.ok(Number(err.headers['retry-after']) >= 1);
      // Ten refusals by the team did not use up key a's own rpm (4): lift the team's and a still has 2 left.
      for (let i = 0; i < 10; i++) await refusal(a.admit(p1, input()));
      await updateTeam(store, team.id, { rpm: null }, 'test');
      await a.refresh();
      for (let i = 0; i < 2; i++) (await a.admit(p1, input())).settle({ promptTokens: 1, completionTokens: 1, cachedTokens: 0, cost: 0 });
      const keyLevel = await refusal(a.admit(p1, input()));
      assert.equal(keyLevel.param, 'key');
      assert.match(keyLevel.message, /this key/);
      // The user's counter saw exactly the admitted requests: 3 + 2.
      const status = await a.status(p2);
      assert.equal(status.levels?.find((l) => l.level === 'user')?.limits?.rpm?.used, 5);
    });

    it(`${kind.name}: a user's concurrency counts the requests of all their keys; settling frees it`, async () => {
      const user = await createUser(store, { name: `c-${kind.name}`, concurrency: 2 }, 'test');
      const keys = await Promise.all([0, 1, 2].map((i) => createKey(store, { name: `c${i}`, user_id: user.id }, 'test')));
      const a = await open();
      const ps = keys.map((k) => a.authenticate(bearer(k.secret)));
      const t1 = await a.admit(ps[0]!, input());
      const t2 = await a.admit(ps[1]!, input());
      const err = await refusal(a.admit(ps[2]!, input()));
      assert.equal(err.status, 429);
      assert.equal(err.param, 'user');
      assert.match(err.message, /concurrent requests for your user/);
      t1.settle({ promptTokens: 1, completionTokens: 1, cachedTokens: 0, cost: 0 });
      await a.close().catch(() => undefined); // waits for the settlement to land
      accesses.pop();
      const b = await open();
      const again = await b.admit(b.authenticate(bearer(keys[2]!.secret)), input());
      again.settle({ promptTokens: 1, completionTokens: 1, cachedTokens: 0, cost: 0 });
      t2.settle({ promptTokens: 1, completionTokens: 1, cachedTokens: 0, cost: 0 });
    });

    it(`${kind.name}: team and user budgets start from the stored spend; the tightest one is reported`, async () => {
      const team = await createTeam(store, { name: `s-${kind.name}`, budget: 10, budget_period: 'daily' }, 'test');
      const user = await createUser(store, { name: 's', team_id: team.id, budget: 50, budget_period: 'monthly' }, 'test');
      const k = await createKey(store, { name: 's', user_id: user.id, budget: 100 }, 'test');
      await store.insertUsage([{ requestId: `old-${kind.name}`, time: Date.now(), keyId: k.row.id, userId: user.id, teamId: team.id, model: 'm', endpoint: 'chat', status: 200, outcome: 'completed', tokensEstimated: false, cost: 9.5, queueMs: 0, totalMs: 1, stream: false }]);
      const a = await open();
      const p = a.authenticate(bearer(k.secret));
      const status = await a.status(p);
      const team0 = status.levels?.find((l) => l.level === 'team');
      assert.equal(team0?.limits?.budget?.spent, 9.5);
      assert.equal(status.levels?.find((l) => l.level === 'user')?.limits?.budget?.spent, 9.5);
      (await a.admit(p, input())).settle({ promptTokens: 10, completionTokens: 990, cachedTokens: 0, cost: 1 });
      const err = await refusal(a.admit(p, input()));
      assert.equal(err.status, 402);
      assert.equal(err.code, 'budget_exceeded');
      assert.equal(err.param, 'team');
      assert.match(err.message, /^Team budget exhausted: 10\.5000 of 10 credits/);
      // Raising the team's budget lets the key run again, against the user's.
      await updateTeam(store, team.id, { budget: 1000 }, 'test');
      await updateUser(store, user.id, { budget: 10.5 }, 'test');
      await a.refresh();
      const userErr = await refusal(a.admit(p, input()));
      assert.equal(userErr.param, 'user');
    });
  }

  it('redis: one script checks all levels; counters missing after a flush are seeded from the store per level', async () => {
    const prefix = uniqueName('relais_lvseed');
    const seeds: string[] = [];
    const l = new RedisLimiter({ url: REDIS_URL, prefix, spendSeed: (subject) => { seeds.push(subject); return Promise.resolve(subject.startsWith('team:') ? 7 : subject.startsWith('user:') ? 3 : 1); } });
    const budget = (limit: number) => ({ limit, periodStart: 0, periodEnd: null, seed: 0 });
    const levels: LevelSpec[] = [
      { level: 'key', subject: 'k1', spec: { ...none, budget: budget(100) } },
      { level: 'user', subject: 'user:u1', spec: { ...none, budget: budget(100) } },
      { level: 'team', subject: 'team:t1', spec: { ...none, budget: budget(7.5) } },
    ];
    try {
      const r = await l.acquireLevels(levels, { requestId: 'x1', tokens: 1, reserve: 0.5 });
      assert.ok(r.ok);
      assert.deepEqual(seeds, ['k1', 'user:u1', 'team:t1']);
      assert.deepEqual(r.states.map((s) => s.budget?.spent), [1, 3, 7]);
      assert.deepEqual(r.states.map((s) => s.budget?.reserved), [0.5, 0.5, 0.5]);
      // 7 spent + 0.5 reserved reaches the team's 7.5: refused by the team, nothing recorded on key and user.
      const refused = await l.acquireLevels(levels, { requestId: 'x2', tokens: 1, reserve: 0.5 });
      assert.ok(!refused.ok && refused.level === 'team' && refused.reason === 'budget');
      await l.releaseLevels(levels, { requestId: 'x1', tokens: 1, cost: 0.25 });
      const redis = new Redis(REDIS_URL);
      try {
        assert.equal(await redis.get(`${prefix}:{user:u1}:spent:0`), String(3_250_000));
        assert.equal(await redis.get(`${prefix}:{team:t1}:spent:0`), String(7_250_000));
        assert.equal(await redis.get(`${prefix}:{k1}:lease`), null);
      } finally {
        redis.disconnect();
      }
    } finally {
      await l.close();
    }
  });

  it('memory and redis agree on a refusal in the middle level', async () => {
    const prefix = uniqueName('relais_lvmid');
    const ls: Limiter[] = [new MemoryLimiter(), new RedisLimiter({ url: REDIS_URL, prefix })];
    try {
      for (const l of ls) {
        const levels: LevelSpec[] = [
          { level: 'key', subject: 'k', spec: { ...none, concurrency: 5 } },
          { level: 'user', subject: 'user:u', spec: { ...none, concurrency: 1 } },
          { level: 'team', subject: 'team:t', spec: { ...none, tpm: 1000 } },
        ];
        assert.ok((await l.acquireLevels(levels, { requestId: 'a', tokens: 100, reserve: 0 })).ok);
        const r = await l.acquireLevels(levels, { requestId: 'b', tokens: 100, reserve: 0 });
        assert.ok(!r.ok && r.level === 'user' && r.reason === 'concurrency');
        assert.equal(r.states[0]?.inflight, 1);
        assert.equal(r.states[2]?.tpm?.used, 100);
        await l.releaseLevels(levels, { requestId: 'a', tokens: 50, cost: 0 });
        const ok = await l.acquireLevels(levels, { requestId: 'c', tokens: 100, reserve: 0 });
        assert.ok(ok.ok);
        assert.equal(ok.states[2]?.tpm?.used, 150);
      }
    } finally {
      await Promise.all(ls.map((l) => l.close()));
    }
  });

  it('refuses hostile limits and policies on users and teams with a 400 naming the field', async () => {
    const bad: [unknown, RegExp][] = [
      [{ name: 't', budget: 1e308 }, /budget: must be at most 1e12/],
      [{ name: 't', rpm: 1.5 }, /rpm: /],
      [{ name: 't', tpm: -3 }, /tpm: must be greater than 0/],
      [{ name: 't', concurrency: '4' }, /concurrency: expected number, got string/],
      [{ name: 't', budget_period: 'hourly' }, /budget_period: expected one of/],
      [{ name: 't', key_policy: { models: ['a\u0000b'] } }, /key_policy.models\[0\]/],
      [{ name: 't', key_policy: { max_budget: Number.NaN } }, /key_policy.max_budget/],
      [{ name: 't', key_policy: { extra: 1 } }, /unknown field/],
      [{ name: 't', key_policy: { zones: [] } }, /at least one zone/],
    ];
    for (const [body, message] of bad) {
      const err = await refusal(createTeam(store, body, 'test'));
      assert.equal(err.status, 400);
      assert.match(err.message, message);
    }
    const err = await refusal(createUser(store, { name: 'u', key_policy: {} }, 'test'));
    assert.match(err.message, /unknown field\(s\) 'key_policy'/);
  });
});
