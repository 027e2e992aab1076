// npm run bench:usage — the retention purge under load: 2M raw usage records (180 days) purged to a
// 90-day window while ~1,000 req/s run through a gateway (`relais serve`, a user key, a simulated vLLM
// engine), in three steps (keep 150, 120, 90 days); gateway latency in 5-second windows during the
// purges vs between them (the spread of those shows how noisy the machine is), and the purge's duration.
// Usage: npm run bench:usage [-- --store sqlite|postgres --rows 2000000 --rate 1000 --window 5 --baseline 4]
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openStore } from '../src/store/open-store.js';
import { freePort, runLoadgen, startChild, type LoadResult } from './support/child-processes.js';
import { createKey } from '../test/support/admin-keys.js';
import { POSTGRES_URL, dropSchema, uniqueName } from '../test/store/services.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = import.meta.resolve('tsx');
const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' }, rows: { type: 'string', default: '2000000' }, rate: { type: 'string', default: '1000' },
    window: { type: 'string', default: '5' }, baseline: { type: 'string', default: '4' },
  },
});
const kind = values.store === 'postgres' ? 'postgres' : 'sqlite';
const rows = Number(values.rows);
const rate = Number(values.rate);
const windowS = Number(values.window);
const baselineWindows = Number(values.baseline);
const DAY = 86_400_000;
const MASTER = 'sk-bench-retention';
const dir = mkdtempSync(join(tmpdir(), 'relais-bench-retention-'));
const schema = uniqueName('relais_bench_retention');
const children: ChildProcess[] = [];
// Interrupted, the children (engine, gateway, load generator) go too: exit handlers run only on exit().
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
process.on('exit', () => {
  children.forEach((c) => c.kill('SIGKILL'));
  rmSync(dir, { recursive: true, force: true });
});

const today = Math.floor(Date.now() / DAY) * DAY;
const first = today - 180 * DAY;

/** 2M records over 180 days (10 keys, 4 models), then their rollups as the batched writer would have made them. */
async function fill(): Promise<void> {
  const storeConfig = kind === 'postgres' ? { kind: 'postgres' as const, url: POSTGRES_URL, schema } : { kind: 'sqlite' as const, path: join(dir, 'data', 'relais.db') };
  const store = await openStore({ data_dir: join(dir, 'data'), store: storeConfig });
  await store.ensureUsagePartitions(first, today + DAY);
  await store.close();
  const step = (180 * DAY) / rows;
  const rollups = [
    `INSERT INTO usage_daily SELECT (time / ${DAY}) * ${DAY}, COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), model, COALESCE(backend, ''),
      COUNT(*), SUM(CASE WHEN outcome <> 'completed' THEN 1 ELSE 0 END), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),
      COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cost), 0), SUM(total_ms) FROM usage GROUP BY 1, 2, 3, 4, 5, 6`,
    `INSERT INTO usage_hourly SELECT (time / 3600000) * 3600000, COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), model, COALESCE(backend, ''),
      COUNT(*), SUM(CASE WHEN outcome <> 'completed' THEN 1 ELSE 0 END), COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0),
      COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cost), 0), SUM(total_ms) FROM usage GROUP BY 1, 2, 3, 4, 5, 6`,
    `INSERT INTO usage_hourly_models SELECT hour, model, backend, SUM(requests), SUM(errors), SUM(prompt_tokens), SUM(completion_tokens),
      SUM(cached_tokens), SUM(cost), SUM(total_ms) FROM usage_hourly GROUP BY 1, 2, 3`,
  ];
  if (kind === 'sqlite') {
    const db = new Database(join(dir, 'data', 'relais.db'));
    db.pragma('journal_mode = WAL');
    const insert = db.prepare(`INSERT INTO usage (request_id, time, key_id, user_id, team_id, model, endpoint, backend, status, outcome, prompt_tokens,
      completion_tokens, cached_tokens, tokens_estimated, cost, queue_ms, ttft_ms, total_ms, stream, finish_reason) VALUES
      (?, ?, ?, 'user_1', 'team_1', ?, 'chat', 'gpu-1', 200, 'completed', 200, 100, 0, 0, 0.0003, 0.2, 40, 900, 1, 'stop')`);
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(`fill-${i}`, Math.floor(first + i * step), `key_${i % 10}`, `model-${i % 4}`);
    });
    for (let i = 0; i < rows; i += 50_000) batch(i, Math.min(rows, i + 50_000));
    for (const sql of rollups) db.exec(sql);
    db.close();
    return;
  }
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  await c.query(`SET search_path = ${schema}`);
  for (let i = 0; i < rows; i += 200_000) {
    await c.query(
      `INSERT INTO usage (request_id, time, key_id, user_id, team_id, model, endpoint, backend, status, outcome, prompt_tokens,
        completion_tokens, cached_tokens, tokens_estimated, cost, queue_ms, ttft_ms, total_ms, stream, finish_reason)
       SELECT 'fill-' || i, floor($1 + i * $2)::bigint, 'key_' || (i % 10), 'user_1', 'team_1', 'model-' || (i % 4), 'chat', 'gpu-1', 200, 'completed',
         200, 100, 0, 0, 0.0003, 0.2, 40, 900, 1, 'stop' FROM generate_series($3::bigint, $4::bigint) AS i`,
      [first, step, i, Math.min(rows, i + 200_000) - 1],
    );
  }
  for (const sql of rollups) await c.query(sql);
  await c.query('ANALYZE usage');
  await c.end();
}

async function startSim(): Promise<string> {
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), 'sim', '--gpu', 'a100-80g', '--model', 'llama-3.1-8b', '--port', '0', '--speed', '50', '--served-model-name', 'bench-model'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`sim exited with ${code}: ${out}`)));
  });
}

async function startGateway(simUrl: string): Promise<string> {
  const port = await freePort();
  const cfg = join(dir, 'relais.yaml');
  const store = kind === 'postgres' ? `store: { kind: postgres, url: "${POSTGRES_URL}", schema: ${schema} }\n` : '';
  // The timer would wait a week: the purge runs when the bench asks for it.
  writeFileSync(cfg, `master_key: ${MASTER}\nlog_level: error\ndata_dir: ${join(dir, 'data')}\n${store}health: { interval_ms: 60000 }
usage: { retention_days: 90, purge_interval_minutes: 10080 }
backends:
  sim: { kind: vllm, url: ${simUrl} }
models:
  - name: bench-model
    deployments: [ { backend: sim, model: bench-model } ]
    price: { input: 0.1, output: 0.3 }
`);
  const child = await startChild([join(root, 'src/cli/main.ts'), 'serve', '--config', cfg, '--listen', `127.0.0.1:${port}`], 'listening');
  children.push(child);
  return `http://127.0.0.1:${port}`;
}

const fmt = (r: LoadResult): string =>
  `${r.rps.toFixed(0).padStart(6)} ${r.p50_ms.toFixed(1).padStart(8)} ${r.p99_ms.toFixed(1).padStart(8)}${r.errors ? `   errors ${r.errors}` : ''}`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function windows(url: string, key: string, n: number, label: string): Promise<LoadResult[]> {
  const out: LoadResult[] = [];
  for (let i = 0; i < n; i++) {
    const r = await runLoadgen(`${url}/v1/chat/completions`, { stream: false, seconds: windowS, concurrency: 256, rate, key });
    console.log(`   ${label.padEnd(30)} ${fmt(r)}`);
    out.push(r);
  }
  return out;
}

async function main(): Promise<void> {
  console.log(`Usage retention bench (${kind}): ${rows.toLocaleString('en-US')} raw records over 180 days, retention 90 days, load ${rate} req/s in ${windowS}-s windows (load average ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} cores)`);
  let t0 = performance.now();
  await fill();
  console.log(`   filled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const sim = await startSim();
  const url = await startGateway(sim);
  const { key } = await createKey(url, MASTER, { name: 'bench-user', budget: 1e9 });
  const admin = { authorization: `Bearer ${MASTER}` };
  console.log('   window                         req/s   p50 ms   p99 ms');
  // The 90 days to purge go in three runs (keep 150, 120, then 90 days), with windows without a purge
  // before each and after the last: on a shared machine, load drifts; adjacent windows compare fairly.
  const base = await windows(url, key, baselineWindows, 'no purge');
  const during: LoadResult[] = [];
  const runs: Record<string, unknown>[] = [];
  let wall = 0;
  for (const keep of [150, 120, 90]) {
    t0 = performance.now();
    let purge: Record<string, unknown> | undefined;
    const purging = fetch(`${url}/admin/usage/purge?retention_days=${keep}`, { method: 'POST', headers: admin }).then(async (r) => {
      purge = (await r.json()) as Record<string, unknown>;
    });
    do during.push(...(await windows(url, key, 1, `during purge (keep ${keep} d)`)));
    while (!purge);
    await purging;
    wall += (performance.now() - t0) / 1000;
    runs.push(purge);
    base.push(...(await windows(url, key, Math.max(1, Math.floor(baselineWindows / 2)), 'no purge')));
  }

  const sum = (k: string): number => runs.reduce((a, r) => a + Number(r[k] ?? 0), 0);
  const p99Base = median(base.map((r) => r.p99_ms));
  const p99During = median(during.map((r) => r.p99_ms));
  const p99s = base.map((r) => r.p99_ms);
  console.log(`\n   purged ${sum('usage_rows').toLocaleString('en-US')} records (${sum('partitions_dropped')} partitions dropped) in 3 runs: ${(sum('duration_ms') / 1000).toFixed(1)} s server-side, under load (${wall.toFixed(1)} s of windows)`);
  console.log(`   p50 ms: without purge ${median(base.map((r) => r.p50_ms)).toFixed(1)} (median of ${base.length} windows), during ${median(during.map((r) => r.p50_ms)).toFixed(1)} (median of ${during.length})`);
  console.log(`   p99 ms: without purge ${p99Base.toFixed(1)}, during ${p99During.toFixed(1)} → ${(((p99During - p99Base) / p99Base) * 100).toFixed(0)}% (target: within 20%)`);
  console.log(`   baseline noise: p99 across windows without purge from ${Math.min(...p99s).toFixed(1)} to ${Math.max(...p99s).toFixed(1)} ms; during purge from ${Math.min(...during.map((r) => r.p99_ms)).toFixed(1)} to ${Math.max(...during.map((r) => r.p99_ms)).toFixed(1)} ms`);
  console.log(`   machine load average (1 min) at the end: ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} cores`);
  console.log(`   achieved rate: ${median(base.map((r) => r.rps)).toFixed(0)} req/s without, ${median(during.map((r) => r.rps)).toFixed(0)} during (asked ${rate})`);
  if (kind === 'postgres') await dropSchema(schema);
}

await main();
process.exit(0);
