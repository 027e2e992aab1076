// The console's store parts on both stores: sessions (and their revision), hourly rollups and the
// activity queries over them, prompt-log search.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Store } from '../../src/store/types.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { testStores } from '../store/services.js';
import { useSuiteStore } from '../support/suite-store.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = 20 * DAY;

function record(i: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: `r${i}`, time: T0 + i * 20 * 60_000 + 0.5, keyId: i % 2 === 0 ? 'k1' : 'k2', userId: i % 2 === 0 ? 'u1' : undefined, teamId: 't1',
    model: i % 3 === 0 ? 'a' : 'b', endpoint: 'chat', backend: i % 4 === 0 ? 'b2' : 'b1', status: i % 5 === 4 ? 502 : 200,
    outcome: i % 5 === 4 ? 'upstream_error' : 'completed', promptTokens: 10, completionTokens: 5, cachedTokens: 1,
    tokensEstimated: false, cost: 0.25, queueMs: 0, ttftMs: 2, totalMs: 4, stream: true, ...over,
  };
}

for (const kind of testStores) {
  describe(`console store: ${kind.name}`, () => {
    let store: Store;
    useSuiteStore(kind, (s) => (store = s));

    it('creates, finds, lists, deletes and purges sessions, bumping the session revision', async () => {
      const r0 = await store.sessionRevision();
      await store.createSession({ id: 's1', subjectKind: 'key', subjectId: 'key_1', method: 'key', createdAt: 1000, expiresAt: 5000 });
      await store.createSession({ id: 's2', subjectKind: 'master', subjectId: 'master', method: 'key', createdAt: 1000, expiresAt: 2000 });
      assert.ok((await store.sessionRevision()) >= r0 + 2);
      assert.deepEqual(await store.getSession('s1'), { id: 's1', subjectKind: 'key', subjectId: 'key_1', method: 'key', createdAt: 1000, expiresAt: 5000 });
      assert.equal(await store.getSession('nope'), undefined);
      assert.deepEqual((await store.listSessions(3000)).map((s) => s.id), ['s1'], 'expired sessions are not listed');
      assert.equal(await store.purgeSessions(3000), 1);
      const r1 = await store.sessionRevision();
      assert.equal(await store.deleteSession('s1'), true);
      assert.equal(await store.deleteSession('s1'), false);
      assert.ok((await store.sessionRevision()) > r1);
      assert.equal(await store.getSession('s1'), undefined);
    });

    it('answers activity by hour and day, split and filtered, from rollups and raw records alike', async () => {
      const records = Array.from({ length: 30 }, (_, i) => record(i));
      await store.insertUsage(records.slice(0, 10));
      await store.insertUsage(records.slice(10));
      // 30 records every 20 minutes: 10 hours, 3 per hour.
      const hourly = await store.activity({ from: T0, to: T0 + DAY, bucket: 'hour' });
      assert.equal(hourly.length, 10);
      assert.deepEqual(hourly[0], { time: T0, group: null, requests: 3, errors: 0, promptTokens: 30, completionTokens: 15, cachedTokens: 3, cost: 0.75, totalMs: 12 });
      assert.equal(hourly.reduce((s, r) => s + r.errors, 0), 6);
      // The same from raw records (a range that is not whole hours) gives the same totals.
      const raw = await store.activity({ from: T0 + 1, to: T0 + DAY, bucket: 'hour' });
      assert.equal(raw.reduce((s, r) => s + r.requests, 0), 30);
      const daily = await store.activity({ from: T0, to: T0 + DAY, bucket: 'day' });
      assert.deepEqual(daily.map((r) => [r.time, r.requests, r.cost]), [[T0, 30, 7.5]]);
      // Whole hours but not whole days: the hourly table, summed into a day bucket.
      const dayFromHours = await store.activity({ from: T0, to: T0 + 12 * HOUR, bucket: 'day' });
      assert.deepEqual(dayFromHours.map((r) => [r.time, r.requests]), [[T0, 30]]);

      const byModel = await store.activity({ from: T0, to: T0 + DAY, split: 'model' });
      assert.deepEqual(byModel.map((r) => [r.group, r.requests]), [['b', 20], ['a', 10]], 'ranked by cost');
      const splitSeries = await store.activity({ from: T0, to: T0 + DAY, bucket: 'hour', split: 'backend' });
      assert.deepEqual(splitSeries.filter((r) => r.time === T0).map((r) => [r.group, r.requests]), [['b1', 2], ['b2', 1]]);
      const k1 = await store.activity({ from: T0, to: T0 + DAY, filters: { keyId: 'k1', model: 'a' } });
      assert.equal(k1[0]?.requests, 5);
      const users = await store.activity({ from: T0, to: T0 + DAY, split: 'user' });
      assert.deepEqual(users.map((r) => [r.group, r.requests]).sort(), [['', 15], ['u1', 15]]);
      const top = await store.activity({ from: T0, to: T0 + DAY, split: 'key', limit: 1 });
      assert.equal(top.length, 1);
      const none = await store.activity({ from: 0, to: DAY });
      assert.equal(none[0]?.requests ?? 0, 0);
    });

    it('searches prompt logs by key, model, time and text (wildcards taken literally)', async () => {
      const base = { response: 'ok', expiresAt: T0 + 100 * DAY };
      await store.insertPromptLogs([
        { ...base, requestId: 'p1', time: T0, keyId: 'k1', model: 'a', request: '{"q":"Hello World"}' },
        { ...base, requestId: 'p2', time: T0 + HOUR, keyId: 'k2', model: 'b', request: '{"q":"100% sure_thing"}' },
        { ...base, requestId: 'p3', time: T0 + 2 * HOUR, keyId: 'k1', model: 'b', request: '{"q":"other"}', response: 'hello again' },
      ]);
      const ids = async (q: Parameters<Store['searchPromptLogs']>[0]): Promise<string[]> => (await store.searchPromptLogs(q)).map((r) => r.requestId);
      assert.deepEqual(await ids({ limit: 10 }), ['p3', 'p2', 'p1']);
      assert.deepEqual(await ids({ keyId: 'k1', limit: 10 }), ['p3', 'p1']);
      assert.deepEqual(await ids({ model: 'b', limit: 10 }), ['p3', 'p2']);
      assert.deepEqual(await ids({ text: 'HELLO', limit: 10 }), ['p3', 'p1'], 'case-insensitive, request or response');
      assert.deepEqual(await ids({ text: '100%', limit: 10 }), ['p2']);
      assert.deepEqual(await ids({ text: '%', limit: 10 }), ['p2'], '% is a character, not a wildcard');
      assert.deepEqual(await ids({ text: 'o_w', limit: 10 }), [], '_ is a character, not a wildcard');
      assert.deepEqual(await ids({ text: 're_t', limit: 10 }), ['p2']);
      assert.deepEqual(await ids({ from: T0 + HOUR, to: T0 + 2 * HOUR, limit: 10 }), ['p2']);
      assert.deepEqual(await ids({ limit: 1 }), ['p3']);
    });
  });
}
