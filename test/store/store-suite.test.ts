// One suite, both stores: identities, revision, usage and rollups, prompt logs, audit, migrations.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRow, NewKey, Store } from '../../src/store/types.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { checkResponseStore } from './responses-contract.js';
import { testStores } from './services.js';
import { useSuiteStore } from '../support/suite-store.js';
import { newUserDefaults } from '../../src/access/identity-ops.js';

const DAY = 86_400_000;
const audit = (action: string, id: string): AuditRow => ({ time: Date.now(), actor: 'test', action, targetType: 'key', targetId: id, detail: { n: 1 } });

function newKey(id: string, over: Partial<NewKey> = {}): NewKey {
  return {
    id, hash: `hash-${id}`, prefix: 'rl-abc', name: id, userId: null, teamId: null, models: ['llama-*'], expiresAt: null,
    rpm: 10, tpm: null, concurrency: 2, budget: 5.5, budgetPeriod: 'monthly', priority: 'interactive', zones: ['local'],
    logging: 'metadata', logRetentionDays: 7, admin: false, metadata: { owner: 'x' }, createdAt: 1000, ...over,
  };
}

function record(i: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: `r${i}`, time: 10 * DAY + i * 1000 + 0.25, keyId: i % 2 === 0 ? 'k1' : 'k2', userId: 'u1', model: i % 3 === 0 ? 'a' : 'b',
    endpoint: 'chat', backend: 'b1', status: 200, outcome: 'completed', promptTokens: 10, completionTokens: 5, cachedTokens: 0,
    tokensEstimated: false, cost: 0.5, queueMs: 1, ttftMs: 2, totalMs: 3, stream: true, finishReason: 'stop', ...over,
  };
}

for (const kind of testStores) {
  describe(`store: ${kind.name}`, () => {
    let store: Store;
    useSuiteStore(kind, (s) => (store = s));

    it('creates, reads, updates and revokes keys, bumping the revision each time', async () => {
      const r0 = await store.revision();
      await store.createTeam({ id: 't1', name: 'Team', createdAt: 1, metadata: {} }, audit('team.create', 't1'));
      await store.createUser({ id: 'u1', name: 'Ada', email: 'ada@example.org', teamId: 't1', createdAt: 2, metadata: {}, ...newUserDefaults }, audit('user.create', 'u1'));
      const created = await store.createKey(newKey('k1', { userId: 'u1', teamId: 't1' }), audit('key.create', 'k1'));
      assert.equal(created.id, 'k1');
      assert.deepEqual(created.models, ['llama-*']);
      assert.equal(created.budget, 5.5);
      assert.equal(created.admin, false);
      assert.equal(created.revokedAt, null);
      assert.ok((await store.revision()) >= r0 + 3);

      const updated = await store.updateKey('k1', { rpm: null, budget: 7, zones: ['eu', 'local'] }, audit('key.update', 'k1'));
      assert.equal(updated?.rpm, null, 'null in a patch clears a limit; absent fields stay');
      assert.equal(updated?.budget, 7);
      assert.deepEqual(updated?.zones, ['eu', 'local']);
      assert.equal(updated?.concurrency, 2);
      assert.equal(await store.updateKey('missing', { budget: 1 }, audit('key.update', 'missing')), undefined);

      const r1 = await store.revision();
      const revoked = await store.revokeKey('k1', 5000, audit('key.revoke', 'k1'));
      assert.equal(revoked?.revokedAt, 5000);
      const again = await store.revokeKey('k1', 9000, audit('key.revoke', 'k1'));
      assert.equal(again?.revokedAt, 5000, 'first revocation wins');
      assert.ok((await store.revision()) > r1);
      assert.equal((await store.listKeys()).length, 1);
      assert.equal((await store.getKey('k1'))?.hash, 'hash-k1');
    });

    it('rejects a duplicate key hash', async () => {
      await store.createKey(newKey('k2'), audit('key.create', 'k2'));
      await assert.rejects(store.createKey(newKey('k3', { hash: 'hash-k2' }), audit('key.create', 'k3')));
      assert.equal(await store.getKey('k3'), undefined);
    });

    it('updates and deletes users and teams, detaching their keys', async () => {
      const u = await store.updateUser('u1', { email: null, name: 'Ada L.' }, audit('user.update', 'u1'));
      assert.equal(u?.name, 'Ada L.');
      const t = await store.updateTeam('t1', { name: 'Team 2' }, audit('team.update', 't1'));
      assert.equal(t?.name, 'Team 2');
      assert.equal(await store.deleteTeam('t1', audit('team.delete', 't1')), true);
      assert.equal((await store.getUser('u1'))?.teamId, null);
      assert.equal((await store.getKey('k1'))?.teamId, null);
      assert.equal(await store.deleteTeam('t1', audit('team.delete', 't1')), false);
      assert.equal((await store.listUsers()).length, 1);
      assert.equal(await store.deleteUser('u1', audit('user.delete', 'u1')), true);
      assert.equal((await store.getKey('k1'))?.userId, null);
      assert.equal((await store.listTeams()).length, 0);
    });

    it('writes usage and answers rollups from daily and raw tables alike', async () => {
      const records = Array.from({ length: 300 }, (_, i) => record(i, i === 7 ? { outcome: 'upstream_error', status: 502, promptTokens: undefined, cost: undefined, backend: undefined } : {}));
      await store.insertUsage(records.slice(0, 150));
      await store.insertUsage(records.slice(150));
      assert.equal(await store.countUsage(), 300);
      const byKeyDaily = await store.usage({ groupBy: 'key', from: 10 * DAY, to: 11 * DAY });
      const byKeyRaw = await store.usage({ groupBy: 'key', from: 10 * DAY, to: 11 * DAY - 1 });
      assert.deepEqual(byKeyDaily, byKeyRaw);
      assert.deepEqual(byKeyDaily.map((r) => [r.group, r.requests]), [['k1', 150], ['k2', 150]]);
      const k2 = byKeyDaily.find((r) => r.group === 'k2');
      assert.equal(k2?.errors, 1);
      assert.equal(k2?.promptTokens, 149 * 10);
      assert.ok(Math.abs((k2?.cost ?? 0) - 149 * 0.5) < 1e-9);
      const byModel = await store.usage({ groupBy: 'model', from: 0, to: 20 * DAY });
      assert.deepEqual(byModel.map((r) => [r.group, r.requests]), [['a', 100], ['b', 200]]);
      const byDay = await store.usage({ groupBy: 'day', from: 0, to: 20 * DAY });
      assert.deepEqual(byDay.map((r) => r.group), ['1970-01-11']);
      const byBackendRaw = await store.usage({ groupBy: 'backend', from: 1, to: 20 * DAY });
      assert.deepEqual(byBackendRaw.map((r) => [r.group, r.requests]), [['', 1], ['b1', 299]]);
      const oneKey = await store.usage({ groupBy: 'model', from: 0, to: 20 * DAY, keyId: 'k1' });
      assert.equal(oneKey.reduce((s, r) => s + r.requests, 0), 150);
      const spend = await store.spendByKey(10 * DAY);
      assert.ok(Math.abs((spend.get('k1') ?? 0) - 75) < 1e-9);
      assert.equal((await store.spendByKey(11 * DAY)).size, 0);
    });

    it('reads usage records back in time order, a page at a time', async () => {
      // Two records at the same millisecond: the request id breaks the tie, so a page boundary between them loses neither.
      await store.insertUsage([record(1000, { requestId: 'same-b', time: 10 * DAY + 5000 }), record(1001, { requestId: 'same-a', time: 10 * DAY + 5000 })]);
      const seen: UsageRecord[] = [];
      let after: { time: number; requestId: string } | undefined;
      for (let page = 0; page < 10; page++) {
        const rows = await store.listUsage({ from: 10 * DAY, to: 10 * DAY + 200_000, after, limit: 64 });
        seen.push(...rows);
        if (rows.length < 64) break;
        const last = rows[rows.length - 1]!;
        after = { time: last.time, requestId: last.requestId };
      }
      assert.equal(seen.length, 202, 'records 0..199 and the two ties');
      for (let i = 1; i < seen.length; i++) {
        const [a, b] = [seen[i - 1]!, seen[i]!];
        assert.ok(a.time < b.time || (a.time === b.time && a.requestId < b.requestId), `${a.requestId} before ${b.requestId}`);
      }
      assert.deepEqual(seen.filter((r) => r.time === 10 * DAY + 5000).map((r) => r.requestId), ['r5', 'same-a', 'same-b']);
      const failed = seen.find((r) => r.requestId === 'r7');
      assert.equal(failed?.outcome, 'upstream_error');
      assert.equal(failed?.promptTokens, undefined, 'unknown stays unknown');
      assert.equal(failed?.backend, undefined);
      const ok = seen.find((r) => r.requestId === 'r8');
      assert.deepEqual(
        [ok?.time, ok?.model, ok?.completionTokens, ok?.cachedTokens, ok?.totalMs, ok?.stream, ok?.tokensEstimated],
        [10 * DAY + 8000, 'b', 5, 0, 3, true, false],
      );
    });

    it('keeps prompt logs until their retention ends', async () => {
      await store.insertPromptLogs([
        { requestId: 'p1', time: 1, keyId: 'k1', model: 'a', request: '{"q":1}', response: 'hi', expiresAt: 100 },
        { requestId: 'p2', time: 2, keyId: 'k1', model: 'a', request: '{"q":2}', response: 'yo', expiresAt: 200 },
      ]);
      assert.equal(await store.purgePromptLogs(150), 1);
      const left = await store.listPromptLogs('k1', 10);
      assert.deepEqual(left.map((l) => [l.requestId, l.response]), [['p2', 'yo']]);
    });

    it('keeps stored responses per key until their retention ends', async () => {
      await checkResponseStore(store);
    });

    it('records audit entries with every change, newest first', async () => {
      const entries = await store.listAudit({ limit: 100 });
      assert.ok(entries.length >= 10);
      assert.equal(entries[0]?.action, 'user.delete');
      assert.deepEqual(entries[0]?.detail, { n: 1 });
      await store.appendAudit({ time: 1, actor: 'cli', action: 'usage.export', targetType: 'usage', targetId: null, detail: {} });
      const old = await store.listAudit({ from: 0, to: 2, limit: 10 });
      assert.deepEqual(old.map((e) => e.action), ['usage.export']);
    });

    it('keeps external identities: one user per issuer and subject, found again, disabled and made admin', async () => {
      const ext = { ...newUserDefaults, source: 'oidc' as const, externalIssuer: 'https://idp.example/realms/x', externalSubject: 'sub-1' };
      await store.createUser({ ...ext, id: 'ux1', name: 'Grace', email: null, teamId: null, createdAt: 3, metadata: {} }, audit('user.create', 'ux1'));
      // Users made by an admin have no external identity: their NULLs never collide.
      await store.createUser({ ...newUserDefaults, id: 'ux2', name: 'Plain', email: null, teamId: null, createdAt: 3, metadata: {} }, audit('user.create', 'ux2'));
      await store.createUser({ ...newUserDefaults, id: 'ux3', name: 'Plain', email: null, teamId: null, createdAt: 3, metadata: {} }, audit('user.create', 'ux3'));
      await assert.rejects(store.createUser({ ...ext, id: 'ux4', name: 'Twin', email: null, teamId: null, createdAt: 4, metadata: {} }, audit('user.create', 'ux4')));
      const found = await store.findExternalUser('https://idp.example/realms/x', 'sub-1');
      assert.equal(found?.id, 'ux1');
      assert.equal(found?.source, 'oidc');
      assert.equal(await store.findExternalUser('https://idp.example/realms/x', 'sub-2'), undefined);
      assert.equal(await store.findExternalUser('https://other.example', 'sub-1'), undefined);
      const r0 = await store.revision();
      const changed = await store.updateUser('ux1', { disabled: true, admin: true }, audit('user.update', 'ux1'));
      assert.equal(changed?.disabled, true);
      assert.equal(changed?.admin, true);
      assert.ok((await store.revision()) > r0, 'disabling a user moves the revision (key caches reload)');
      assert.equal((await store.getUser('ux2'))?.disabled, false);
    });
  });
}
