// The store's parts for user and team limits, key policies and alerts, against SQLite and PostgreSQL:
// round trips, spend per user and team from the rollups, alerts raised once and claimed once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertRow, Store } from '../../src/store/types.js';
import { testStores } from './services.js';
import { useSuiteStore } from '../support/suite-store.js';
import { newUserDefaults } from '../../src/access/identity-ops.js';

const audit = { time: 1, actor: 'test', action: 'x', targetType: 'x', targetId: null, detail: {} };

for (const kind of testStores) {
  describe(`store: limits, policies and alerts (${kind.name})`, () => {
    let store: Store;
    useSuiteStore(kind, (s) => (store = s));

    it('keeps user and team limits and the team key policy; a patch without them leaves them', async () => {
      const limits = { rpm: 10, tpm: null, concurrency: 3, budget: 12.5, budgetPeriod: 'weekly' as const };
      const policy = { models: ['llama-*'], zones: ['eu'], maxBudget: 5, maxKeysPerUser: 2, maxExpiryDays: 30 };
      await store.createTeam({ id: 't1', name: 'T', createdAt: 1, metadata: {}, limits, keyPolicy: policy }, audit);
      await store.createUser({ ...newUserDefaults, id: 'u1', name: 'U', email: null, teamId: 't1', createdAt: 1, metadata: {}, limits }, audit);
      await store.createUser({ ...newUserDefaults, id: 'u2', name: 'plain', email: null, teamId: null, createdAt: 1, metadata: {} }, audit);
      assert.deepEqual((await store.getTeam('t1'))?.limits, limits);
      assert.deepEqual((await store.getTeam('t1'))?.keyPolicy, policy);
      assert.deepEqual((await store.getUser('u1'))?.limits, limits);
      assert.equal((await store.getUser('u2'))?.limits, undefined);
      await store.updateUser('u1', { name: 'U2' }, audit);
      assert.deepEqual((await store.getUser('u1'))?.limits, limits);
      await store.updateTeam('t1', { keyPolicy: null, limits: { ...limits, budget: null } }, audit);
      assert.equal((await store.getTeam('t1'))?.keyPolicy, null);
      assert.equal((await store.getTeam('t1'))?.limits?.budget, null);
    });

    it('sums spend per user and per team since a day', async () => {
      const day = Date.UTC(2026, 0, 10);
      const rec = (id: string, time: number, userId: string | undefined, teamId: string | undefined, cost: number) => ({
        requestId: id, time, keyId: 'k', userId, teamId, model: 'm', endpoint: 'chat' as const, status: 200, outcome: 'completed' as const,
        tokensEstimated: false, cost, queueMs: 0, totalMs: 1, stream: false,
      });
      await store.insertUsage([rec('a', day + 1000, 'ua', 'ta', 1.5), rec('b', day + 2000, 'ua', 'ta', 2), rec('c', day + 3000, 'ub', undefined, 4), rec('d', day - 1000, 'ua', 'ta', 100)]);
      const users = await store.spendBy('user', day);
      assert.equal(users.get('ua'), 3.5);
      assert.equal(users.get('ub'), 4);
      const teams = await store.spendBy('team', day);
      assert.equal(teams.get('ta'), 3.5);
      assert.equal(teams.has(''), false);
    });

    it('raises an alert once per dedupe key and lets one caller claim each attempt', async () => {
      const row: AlertRow = {
        dedupe: 'budget:team:t1:0:80:http://x', time: 5, kind: 'budget', level: 'team', subjectId: 't1', threshold: 80, periodStart: 0,
        url: 'http://x', payload: '{"a":1}', status: 'pending', attempts: 0, nextAttemptAt: 5, deliveredAt: null, lastError: null,
      };
      const inserted = await Promise.all([1, 2, 3].map(() => store.insertAlert(row)));
      assert.deepEqual(inserted.filter(Boolean).length, 1);
      const [due] = await store.dueAlerts(10, 10);
      assert.ok(due?.id !== undefined);
      const claims = await Promise.all([1, 2, 3].map(() => store.claimAlert(due.id as number, 0, 1000)));
      assert.equal(claims.filter(Boolean).length, 1);
      assert.equal((await store.dueAlerts(10, 10)).length, 0, 'not due again before the retry time');
      await store.finishAlert(due.id as number, { status: 'pending', lastError: 'HTTP 503' });
      const again = await store.dueAlerts(1000, 10);
      assert.equal(again[0]?.attempts, 1);
      assert.equal(again[0]?.lastError, 'HTTP 503');
      assert.ok(await store.claimAlert(due.id as number, 1, 5000));
      await store.finishAlert(due.id as number, { status: 'delivered', deliveredAt: 1234 });
      const [listed] = await store.listAlerts({ limit: 10 });
      assert.equal(listed?.status, 'delivered');
      assert.equal(listed?.deliveredAt, 1234);
      assert.equal(listed?.threshold, 80);
    });
  });
}
