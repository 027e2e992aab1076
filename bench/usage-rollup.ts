// How fast the activity views are at millions of usage records: insert rate, then rollups from the
// daily table (day-aligned ranges) and from raw records (any other range).
// Usage: node --import tsx bench/usage-rollup.ts [sqlite|postgres] [records]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import type { Store, UsageGroup } from '../src/store/types.js';
import type { UsageRecord } from '../src/usage/record.js';

const DAY = 86_400_000;
const kind = process.argv[2] === 'postgres' ? 'postgres' : 'sqlite';
const total = Number(process.argv[3] ?? 1_000_000);
const url = process.env.RELAIS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `relais_bench_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));

const store: Store = await openStore(
  kind === 'postgres' ? { data_dir: dir, store: { kind: 'postgres', url, schema } } : { data_dir: dir, store: { kind: 'sqlite', path: join(dir, 'bench.db') } },
);
const end = Math.floor(Date.now() / DAY) * DAY;
const start = end - 30 * DAY;

function record(i: number): UsageRecord {
  return {
    requestId: `b${i}`, time: start + Math.floor((i / total) * 30 * DAY), keyId: `key_${i % 200}`, userId: `user_${i % 50}`, teamId: `team_${i % 5}`,
    model: `model-${i % 10}`, endpoint: 'chat', backend: `gpu-${i % 5}`, status: i % 50 === 0 ? 502 : 200, outcome: i % 50 === 0 ? 'upstream_error' : 'completed',
    promptTokens: 200 + (i % 300), completionTokens: 100 + (i % 500), cachedTokens: i % 100, tokensEstimated: false, cost: 0.0001 * (i % 7),
    queueMs: 0, ttftMs: 50, totalMs: 800, stream: true,
  };
}

const t0 = performance.now();
const batch = 1000;
for (let i = 0; i < total; i += batch) await store.insertUsage(Array.from({ length: Math.min(batch, total - i) }, (_, j) => record(i + j)));
const insertS = (performance.now() - t0) / 1000;
console.log(`${kind}: inserted ${total.toLocaleString()} records in ${insertS.toFixed(1)} s (${Math.round(total / insertS).toLocaleString()}/s, batches of ${batch})`);

async function time(label: string, groupBy: UsageGroup, from: number, to: number, keyId?: string): Promise<void> {
  const t = performance.now();
  const rows = await store.usage({ groupBy, from, to, keyId });
  const ms = performance.now() - t;
  console.log(`${kind}: ${label.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  (${rows.length} groups, ${rows.reduce((s, r) => s + r.requests, 0).toLocaleString()} requests)`);
}

for (const g of ['key', 'model', 'day', 'team'] as const) await time(`30 days by ${g}, daily rollups`, g, start, end);
await time('30 days, one key by model, daily rollups', 'model', start, end, 'key_7');
await time('spendByKey (budget seeds), daily rollups', 'key', start, end);
for (const g of ['key', 'model'] as const) await time(`30 days minus 1 ms by ${g}, raw records`, g, start, end - 1);
await time('one day minus 1 ms by key, raw records', 'key', end - DAY, end - 1);
await time('one key, 30 days minus 1 ms, raw records', 'model', start, end - 1, 'key_7');

await store.close();
rmSync(dir, { recursive: true, force: true });
if (kind === 'postgres') {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP SCHEMA ${schema} CASCADE`);
  await c.end();
}
