// Usage retention on both stores: old raw records and prompt logs go, recent ones and every rollup stay;
// rollups missing records are rebuilt before those go; PostgreSQL drops day partitions; one purger at a time.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { migrate, migrations } from '../../src/store/migrations.js';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { SqlStore } from '../../src/store/sql-store.js';
import type { Store } from '../../src/store/types.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { UsageRetention, retentionCutoff } from '../../src/usage/retention.js';
import { POSTGRES_URL, adminQuery, dropSchema, uniqueName } from '../store/services.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 15, 12, 30);
const CUTOFF = retentionCutoff(NOW, 90) as number;
const quiet = { warn: () => undefined };

function record(id: string, time: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    requestId: id, time, keyId: 'k1', userId: 'u1', teamId: 't1', model: 'm', endpoint: 'chat', backend: 'b1', status: 200, outcome: 'completed',
    promptTokens: 10, completionTokens: 5, cachedTokens: 0, tokensEstimated: false, cost: 0.25, queueMs: 1, ttftMs: 2, totalMs: 3, stream: false,
    finishReason: 'stop', ...over,
  };
}

/** Three records a day, from 100 days before NOW to 80 days before, at hours 1, 9 and 17. */
function history(): UsageRecord[] {
  const out: UsageRecord[] = [];
  const firstDay = Math.floor(NOW / DAY) * DAY - 100 * DAY;
  for (let d = 0; d <= 20; d++) {
    for (const h of [1, 9, 17]) out.push(record(`r-${d}-${h}`, firstDay + d * DAY + h * HOUR + 123, { keyId: h === 9 ? 'k2' : 'k1', outcome: h === 17 ? 'upstream_error' : 'completed' }));
  }
  return out;
}

interface Opened {
  store: Store;
  /** A statement on the store's database outside the store (hand-made rows). */
  raw(sql: string, params?: (string | number)[]): Promise<void>;
  cleanup(): Promise<void>;
  /** A second store on the same database (PostgreSQL: another instance). */
  another(): Promise<Store>;
}

const kinds: { name: 'sqlite' | 'postgres'; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'relais-retention-'));
      const path = join(dir, 'relais.db');
      const store = await openStore({ data_dir: dir, store: { kind: 'sqlite', path } });
      return {
        store,
        raw: (sql, params = []) => {
          const db = new Database(path);
          db.pragma('busy_timeout = 5000');
          try {
            db.prepare(sql).run(...params);
          } finally {
            db.close();
          }
          return Promise.resolve();
        },
        // One SQLite file serves one process: the in-process lock is what a second purger meets.
        another: () => Promise.resolve(store),
        cleanup: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const schema = uniqueName('relais_ret');
      const stores: Store[] = [];
      const openOne = async (): Promise<Store> => {
        const s = await openStore({ data_dir: '.', store: { kind: 'postgres', url: POSTGRES_URL, schema } });
        stores.push(s);
        return s;
      };
      const store = await openOne();
      return {
        store,
        raw: async (sql, params = []) => {
          let n = 0;
          await adminQuery(sql.replace(/\?/g, () => `$${++n}`).replace(/INSERT INTO usage/, `INSERT INTO ${schema}.usage`), params);
        },
        another: openOne,
        cleanup: async () => {
          await Promise.all(stores.map((s) => s.close()));
          await dropSchema(schema);
        },
      };
    },
  },
];

const everything = { from: 0, to: NOW + DAY, limit: 100_000 };

for (const kind of kinds) {
  describe(`usage retention: ${kind.name}`, () => {
    let o: Opened;
    before(async () => {
      o = await kind.open();
    });
    after(async () => {
      await o.cleanup();
    });

    it('purges raw records and prompt logs older than the window in small steps; rollups stay whole', async () => {
      const records = history();
      for (let i = 0; i < records.length; i += 10) await o.store.insertUsage(records.slice(i, i + 10));
      const oldLog = records[0] as UsageRecord;
      const newLog = records[records.length - 1] as UsageRecord;
      const expiredLog = records[records.length - 2] as UsageRecord;
      await o.store.insertPromptLogs([
        { requestId: oldLog.requestId, time: oldLog.time, keyId: 'k1', model: 'm', request: '{"old":1}', response: 'r', expiresAt: NOW + 365 * DAY },
        { requestId: newLog.requestId, time: newLog.time, keyId: 'k1', model: 'm', request: '{"new":1}', response: 'r', expiresAt: NOW + 365 * DAY },
        { requestId: expiredLog.requestId, time: expiredLog.time, keyId: 'k1', model: 'm', request: '{"expired":1}', response: 'r', expiresAt: NOW - 1 },
      ]);
      const dayStart = Math.floor(NOW / DAY) * DAY;
      const daily = await o.store.usage({ groupBy: 'day', from: dayStart - 200 * DAY, to: dayStart + DAY });
      const hourly = await o.store.activity({ from: dayStart - 200 * DAY, to: dayStart + DAY, bucket: 'hour' });
      const hourlyByKey = await o.store.activity({ from: dayStart - 200 * DAY, to: dayStart + DAY, bucket: 'hour', split: 'key' });
      const spend = await o.store.spendByKey(dayStart - 200 * DAY);
      if (kind.name === 'postgres') assert.equal((await o.store.usagePartitions()).length, 21, 'a partition per day written');
      // Raw reads across many days (partitions on PostgreSQL): ranges off the hour read raw records.
      const sum = (rows: { requests: number }[]): number => rows.reduce((a, r) => a + r.requests, 0);
      assert.equal(sum(await o.store.usage({ groupBy: 'key', from: 1, to: NOW })), records.length);
      assert.equal(sum(await o.store.activity({ from: 1, to: NOW, split: 'model' })), records.length);
      const paged: string[] = [];
      for (let after: { time: number; requestId: string } | undefined, page; (page = await o.store.listUsage({ from: 0, to: NOW, after, limit: 7 })).length > 0; ) {
        paged.push(...page.map((r) => r.requestId));
        const last = page[page.length - 1] as UsageRecord;
        after = { time: last.time, requestId: last.requestId };
      }
      assert.deepEqual(paged, [...records].sort((a, b) => a.time - b.time).map((r) => r.requestId), 'keyset pages across days');

      const keep = records.filter((r) => r.time >= CUTOFF);
      const gone = records.length - keep.length;
      assert.ok(gone > 0 && keep.length > 0);
      const retention = new UsageRetention(o.store, { retentionDays: 90, batchRows: 4, pauseMs: 0, ...quiet });
      const result = await retention.run(NOW);
      assert.equal(result.ran, true);
      assert.equal(result.before, CUTOFF);
      assert.equal(result.usageRows, gone);
      assert.equal(result.rollupsRebuilt, 0, 'rollups written with their records cover them');
      assert.equal(result.promptLogs, 2, 'the old log and the expired one');
      if (kind.name === 'postgres') {
        assert.equal(result.partitionsDropped, gone / 3, 'one partition per purged day');
        const left = await o.store.usagePartitions();
        assert.ok(left.every((p) => p.from >= CUTOFF), JSON.stringify(left));
        assert.ok(left.some((p) => p.from <= NOW && NOW < p.to), "today's partition exists ahead of any record");
        assert.ok(left.some((p) => p.from >= NOW + 5 * DAY), 'days ahead are created');
      }

      const left = await o.store.listUsage(everything);
      assert.deepEqual(left.map((r) => r.requestId).sort(), keep.map((r) => r.requestId).sort());
      assert.deepEqual((await o.store.searchPromptLogs({ limit: 10 })).map((l) => l.requestId), [newLog.requestId]);
      assert.deepEqual(await o.store.usage({ groupBy: 'day', from: dayStart - 200 * DAY, to: dayStart + DAY }), daily, 'daily rollups unchanged');
      assert.deepEqual(await o.store.activity({ from: dayStart - 200 * DAY, to: dayStart + DAY, bucket: 'hour' }), hourly, 'hourly rollups unchanged');
      assert.deepEqual(await o.store.activity({ from: dayStart - 200 * DAY, to: dayStart + DAY, bucket: 'hour', split: 'key' }), hourlyByKey);
      assert.deepEqual(await o.store.spendByKey(dayStart - 200 * DAY), spend);

      const again = await retention.run(NOW);
      assert.deepEqual([again.usageRows, again.partitionsDropped, again.promptLogs], [0, 0, 0], 'a second run finds nothing');
      // A late record for a purged day (a journal replayed after a long outage) still lands.
      await o.store.insertUsage([record('late', CUTOFF - 3 * DAY)]);
      assert.equal((await o.store.listUsage({ from: 0, to: CUTOFF, limit: 10 })).length, 1);
    });

    it('rebuilds rollups that miss records before purging them', async () => {
      const day = Math.floor(NOW / DAY) * DAY - 120 * DAY;
      await o.store.ensureUsagePartitions(day, day + DAY);
      const cols = '(request_id, time, key_id, user_id, team_id, model, endpoint, backend, status, outcome, prompt_tokens, completion_tokens, cached_tokens, tokens_estimated, cost, queue_ms, total_ms, stream)';
      for (let i = 0; i < 4; i++) {
        await o.raw(`INSERT INTO usage ${cols} VALUES (?, ?, 'k9', 'u9', 't9', 'hand', 'chat', 'b9', 200, 'completed', 7, 3, 0, 0, 1.5, 1, 10, 0)`, [`hand-${i}`, day + i * HOUR]);
      }
      const before = await o.store.usage({ groupBy: 'model', from: day, to: day + DAY });
      assert.deepEqual(before, [], 'the hand-made rows have no rollups');
      const result = await new UsageRetention(o.store, { retentionDays: 90, batchRows: 3, pauseMs: 0, ...quiet }).run(NOW);
      assert.ok(result.rollupsRebuilt >= 3, `daily, hourly and hourly-by-model rebuilt: ${result.rollupsRebuilt}`);
      assert.equal((await o.store.listUsage({ from: day, to: day + DAY, limit: 10 })).length, 0);
      const [row] = await o.store.usage({ groupBy: 'model', from: day, to: day + DAY });
      assert.equal(row?.group, 'hand');
      assert.equal(row?.requests, 4);
      assert.equal(row?.promptTokens, 28);
      assert.equal(row?.cost, 6);
      const [hour] = await o.store.activity({ from: day, to: day + HOUR, bucket: 'hour', split: 'key' });
      assert.equal(hour?.group, 'k9');
      assert.equal(hour?.requests, 1);
    });

    it('keeps everything with retention 0 or null, but still purges expired prompt logs', async () => {
      const t = Math.floor(NOW / DAY) * DAY - 400 * DAY;
      await o.store.insertUsage([record('ancient', t)]);
      await o.store.insertPromptLogs([{ requestId: 'ancient', time: t, keyId: 'k1', model: 'm', request: 'q', response: 'a', expiresAt: NOW - DAY }]);
      for (const days of [0, null]) {
        const r = await new UsageRetention(o.store, { retentionDays: days, pauseMs: 0, ...quiet }).run(NOW);
        assert.equal(r.before, null);
        assert.equal(r.usageRows, 0);
        assert.equal(r.promptLogs, days === 0 ? 1 : 0);
      }
      assert.equal((await o.store.listUsage({ from: t, to: t + 1, limit: 10 })).length, 1);
    });

    it('lets one purger run at a time', async () => {
      const other = await o.another();
      const r = await o.store.withPurgeLock(() => new UsageRetention(other, { retentionDays: 90, ...quiet }).run(NOW));
      assert.equal(r.ran, true);
      assert.equal(r.ran && r.value.ran, false, 'the second purger found the lock held');
      const after = await new UsageRetention(other, { retentionDays: 90, ...quiet }).run(NOW);
      assert.equal(after.ran, true, 'the lock is released after the run');
    });
  });
}

it('migration 50 turns an existing PostgreSQL usage table into day partitions, keeping its rows', async () => {
  const schema = uniqueName('relais_part');
  const db = await openPostgresDb({ url: POSTGRES_URL, schema });
  try {
    await migrate(db, [], migrations.filter((m) => m.version < 50));
    const day = Date.UTC(2026, 0, 10);
    const rows: [string, number][] = [['a', day + 5], ['b', day + DAY - 1], ['c', day + DAY], ['d', day + 40 * DAY + 7]];
    for (const [id, t] of rows) {
      await db.query(
        `INSERT INTO usage (request_id, time, model, endpoint, status, outcome, tokens_estimated, queue_ms, total_ms, stream, error)
         VALUES (?, ?, 'm', 'chat', 200, 'completed', 0, 1, 2, 0, ?)`,
        [id, t, `text, "quoted"\n${id}`],
      );
    }
    assert.deepEqual(await migrate(db), [50]);
    const [kind] = await db.query("SELECT c.relkind AS k FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'usage' AND n.nspname = current_schema()");
    assert.equal(kind?.k, 'p', 'usage is a partitioned table');
    const store = new SqlStore(db);
    const parts = await store.usagePartitions();
    assert.deepEqual(parts.map((p) => p.name), ['usage_p20260110', 'usage_p20260111', 'usage_p20260219']);
    assert.deepEqual(parts.map((p) => p.to - p.from), [DAY, DAY, DAY]);
    const listed = await store.listUsage({ from: 0, to: day + 100 * DAY, limit: 10 });
    assert.deepEqual(listed.map((r) => [r.requestId, r.time]), rows);
    assert.equal(listed[0]?.error, 'text, "quoted"\na');
    // New records find their partition made on demand.
    await store.insertUsage([record('new', day + 70 * DAY)]);
    assert.equal(await store.countUsage(), 5);
  } finally {
    await db.close();
    await dropSchema(schema);
  }
});

it('PostgreSQL: a purge step that meets a long reader on usage gives up its lock wait after 2 s and tries again', async () => {
  const schema = uniqueName('relais_lock');
  const store = await openStore({ data_dir: '.', store: { kind: 'postgres', url: POSTGRES_URL, schema } });
  const pg = (await import('pg')).default;
  const reader = new pg.Client({ connectionString: POSTGRES_URL });
  await reader.connect();
  try {
    const old = Math.floor(NOW / DAY) * DAY - 120 * DAY;
    await store.insertUsage([record('old-1', old + 5), record('new-1', NOW - DAY)]);
    // A reader holding the usage table (an export, a long report) for 3 s.
    await reader.query('BEGIN');
    await reader.query(`LOCK TABLE ${schema}.usage IN ACCESS SHARE MODE`);
    const released = new Promise<void>((resolve) => setTimeout(() => void reader.query('COMMIT').then(() => resolve()), 3_000));
    const t0 = Date.now();
    const r = await new UsageRetention(store, { retentionDays: 90, pauseMs: 0, ...quiet }).run(NOW);
    await released;
    assert.equal(r.partitionsDropped, 1);
    assert.equal(r.usageRows, 1);
    assert.ok(Date.now() - t0 >= 2_500, 'it waited for the reader');
    assert.deepEqual((await store.listUsage(everything)).map((x) => x.requestId), ['new-1']);
  } finally {
    await reader.end();
    await store.close();
    await dropSchema(schema);
  }
});

it('usage.retention_days: 90 by default, 0 or null keep for ever, anything else refused by field', async () => {
  const { configSchema } = await import('../../src/config/schema.js');
  assert.equal(configSchema.parse({}).usage.retention_days, 90);
  assert.equal(configSchema.parse({ usage: { retention_days: null } }).usage.retention_days, null);
  assert.equal(retentionCutoff(NOW, 0), null);
  assert.equal(retentionCutoff(NOW, null), null);
  assert.equal(retentionCutoff(NOW, 1), Math.floor(NOW / DAY) * DAY - DAY, 'whole days: at least one full day stays');
  for (const bad of [-1, 1.5, '90', 1e9]) {
    const r = configSchema.safeParse({ usage: { retention_days: bad } });
    assert.equal(r.success, false, String(bad));
    assert.deepEqual(r.error?.issues[0]?.path, ['usage', 'retention_days']);
  }
});
