/// <reference lib="dom" />
// The console's budgets: JavaScript size (≤ 250 KB gzipped), Activity over 30 days × 1M usage records
// (< 1 s from a warm gateway), and the gateway CPU one open live view costs (< 2% of a core).
// Usage: npm run bench:console [-- sqlite|postgres] [-- --records N]
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { chromium, type Page } from 'playwright-core';
import { ConsoleFiles } from '../src/console/static-files.js';
import { startSimFleet } from '../src/sim/index.js';
import { openStore } from '../src/store/open-store.js';
import type { UsageRecord } from '../src/usage/record.js';
import { startGateway, type GatewayProcess } from '../test/support/gateway-process.js';

const DAY = 86_400_000;
const { values, positionals } = parseArgs({ allowPositionals: true, options: { records: { type: 'string', default: '1000000' }, seconds: { type: 'string', default: '20' } } });
const kind = positionals[0] === 'postgres' ? 'postgres' : 'sqlite';
const total = Number(values.records);
const windowS = Number(values.seconds);
const pgUrl = process.env.RELAIS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `relais_console_bench_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'relais-console-bench-'));
const masterKey = 'bench-master-key';

// 1. Download size.
const files = new ConsoleFiles();
if (!files.built) throw new Error('dist/ui is missing: run npm run build:ui');
const js = files.scriptBytes();
console.log(`console JavaScript: ${(js.raw / 1024).toFixed(1)} KB, ${(js.gzip / 1024).toFixed(1)} KB gzipped (budget 250 KB) ${js.gzip <= 250 * 1024 ? 'ok' : 'OVER'}`);

// 2. A store with `total` usage records over the last 30 days: 200 keys (each on one or two models), 50 users, 5 teams, 4 backends.
const storeConfig = kind === 'postgres' ? { kind: 'postgres' as const, url: pgUrl, schema } : { kind: 'sqlite' as const, path: join(dir, 'relais.db') };
const end = (Math.floor(Date.now() / DAY) + 1) * DAY;
const start = end - 30 * DAY;
function record(i: number): UsageRecord {
  const key = i % 200;
  return {
    requestId: `b${i}`, time: start + Math.floor((i / total) * 30 * DAY), keyId: `key_${key}`, userId: `user_${key % 50}`, teamId: `team_${key % 5}`,
    model: `model-${(key + (i % 10 === 0 ? 1 : 0)) % 6}`, endpoint: 'chat', backend: `gpu-${Math.floor(i / 3) % 4}`,
    status: i % 50 === 0 ? 502 : 200, outcome: i % 50 === 0 ? 'upstream_error' : 'completed',
    promptTokens: 200 + (i % 300), completionTokens: 100 + (i % 500), cachedTokens: i % 100, tokensEstimated: false, cost: 0.0001 * (i % 7),
    queueMs: 0, ttftMs: 50, totalMs: 800, stream: true,
  };
}
{
  const store = await openStore({ data_dir: dir, store: storeConfig });
  const t0 = performance.now();
  for (let i = 0; i < total; i += 2000) await store.insertUsage(Array.from({ length: Math.min(2000, total - i) }, (_, j) => record(i + j)));
  console.log(`${kind}: ${total.toLocaleString()} usage records over 30 days written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await store.close();
}

const fleet = await startSimFleet({ replicas: 2, gpu: 'a100-80g', model: 'llama-3.1-8b', servedModelName: 'sim-llama', outputLen: 'fixed:16' });
const yaml = `master_key: ${masterKey}
data_dir: ${dir}
log_level: warn
store: ${JSON.stringify(storeConfig)}
backends:
  sim0: { kind: vllm, url: ${fleet.urls[0]} }
  sim1: { kind: vllm, url: ${fleet.urls[1]} }
models:
  - name: sim-chat
    deployments: [ { backend: sim0, model: sim-llama }, { backend: sim1, model: sim-llama } ]
`;
const gateway: GatewayProcess = await startGateway(yaml, { timeoutMs: 120_000 });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });

async function signedIn(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${gateway.url}/ui/`);
  await page.getByLabel('Relais key').fill(masterKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
  return page;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

try {
  // 3. Activity: page load to drawn charts, 30 days, day and hour buckets, and a split change in the page.
  const page = await signedIn();
  const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
  const ready = async (): Promise<void> => {
    await page.locator('section[data-state=ready]').waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => document.querySelectorAll('figure.chart canvas').length >= 4);
  };
  for (const bucket of ['day', 'hour'] as const) {
    const url = `${gateway.url}/ui/activity?from=${day(start)}&to=${day(end - DAY)}&bucket=${bucket}`;
    await page.goto(url);
    await ready(); // warm-up
    const loads: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await page.goto(url);
      await ready();
      loads.push(performance.now() - t0);
    }
    const splits: number[] = [];
    for (const split of ['model', 'key', '']) {
      const t0 = performance.now();
      await page.locator('section[data-state=ready]').waitFor();
      const answered = page.waitForResponse((r) => r.url().includes('/admin/activity'));
      await page.getByLabel('Split by').selectOption(split);
      await answered;
      await ready();
      splits.push(performance.now() - t0);
    }
    const rows = await page.evaluate(() => document.querySelector('.table-tools button')?.textContent ?? '');
    console.log(`${kind}: Activity, 30 days, ${bucket} buckets: page load to drawn charts median ${median(loads).toFixed(0)} ms (max ${Math.max(...loads).toFixed(0)}); split change median ${median(splits).toFixed(0)} ms (max ${Math.max(...splits).toFixed(0)}) [${rows.trim()}] (budget 1000 ms)`);
  }
  await page.context().close();

  // 4. The live view's cost: gateway CPU with N Models pages open (each polls every second) vs none.
  const ticks = (): number => {
    const f = readFileSync(`/proc/${gateway.proc.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(f[11]) + Number(f[12]); // utime + stime, in 1/100 s
  };
  const cpu = async (seconds: number): Promise<number> => {
    const t0 = ticks();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    return ((ticks() - t0) / 100 / ((performance.now() - w0) / 1000)) * 100;
  };
  const idle = await cpu(windowS);
  for (const n of [1, 5]) {
    const pages = await Promise.all(Array.from({ length: n }, () => signedIn()));
    await Promise.all(pages.map(async (p) => {
      await p.goto(`${gateway.url}/ui/models`);
      await p.locator('tr[data-backend=sim0]').waitFor();
    }));
    const busy = await cpu(windowS);
    console.log(`${kind}: gateway CPU with ${n} live view(s) open: ${busy.toFixed(2)}% of a core vs ${idle.toFixed(2)}% with none → ${((busy - idle) / n).toFixed(2)}% per open console (budget 2%)`);
    await Promise.all(pages.map((p) => p.context().close()));
  }
} finally {
  await browser.close();
  await gateway.stop();
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
  if (kind === 'postgres') {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
}
