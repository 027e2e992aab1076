// `relais serve --workers 2`: two processes share the port; without Redis the primary holds the one
// limiter, so a key's rpm is exact across them, every request leaves one usage record, /metrics adds
// both workers up, and SIGTERM drains both.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { createKey } from '../support/admin-keys.js';
import { startFakeEngine } from '../support/fake-engine.js';
import { oneModelYaml, startGateway } from '../support/gateway-process.js';

const MASTER = 'sk-workers-master-0123456789';

describe('relais serve --workers 2 (SQLite, no Redis)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('holds a key to its rpm exactly across workers, records every request once, merges metrics, drains on SIGTERM', async () => {
    // Each answer takes ~100 ms, so requests overlap and land on both workers.
    const engine = await startFakeEngine({ tokenDelayMs: 20, defaultTokens: 5 });
    cleanups.push(() => engine.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'relais-workers-'));
    const gw = await startGateway(oneModelYaml(engine.url, `log_level: warn\nmaster_key: ${MASTER}\ndata_dir: ${dataDir}`), { args: ['--workers', '2'] });
    cleanups.push(() => gw.stop('SIGKILL'));
    const { key } = await createKey(gw.url, MASTER, { name: 'w', rpm: 12 });
    // The other worker learns of the key at once (IPC) or at its next poll; wait until both know it.
    const one = (i: number): Promise<number> =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: `hello ${i}` }] }),
      }).then(async (r) => {
        await r.text();
        return r.status;
      });
    const known = async (): Promise<boolean> => {
      const r = await Promise.all(Array.from({ length: 6 }, () => fetch(`${gw.url}/v1/key`, { headers: { authorization: `Bearer ${key}`, connection: 'close' } }).then((x) => x.status)));
      return r.every((s) => s === 200);
    };
    for (let i = 0; i < 50 && !(await known()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await known(), 'both workers know the new key');

    const statuses = await Promise.all(Array.from({ length: 36 }, (_, i) => one(i)));
    assert.equal(statuses.filter((s) => s === 200).length, 12, `statuses: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 24);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const total = (status: string): number =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith('relais_requests_total{') && l.includes(`status="${status}"`))
        .reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    assert.equal(total('200'), 12, metrics);
    assert.equal(total('429'), 24, metrics);
    // Both workers answered the scrape (each has its own series of a gauge); the cluster hands new
    // connections out in turn, so the 36 connections reached both (without the shared limiter, 21 passed).
    assert.match(metrics, /relais_backend_healthy\{backend="a",worker="1"\} 1/);
    assert.match(metrics, /relais_backend_healthy\{backend="a",worker="2"\} 1/);

    assert.equal(await gw.stop('SIGTERM'), 0, gw.lines.join('\n'));
    const db = new Database(join(dataDir, 'relais.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT outcome, COUNT(*) AS n FROM usage WHERE key_id IS NOT NULL GROUP BY outcome").all() as { outcome: string; n: number }[];
      const by = Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
      assert.deepEqual(by, { completed: 12, rejected: 24 });
    } finally {
      db.close();
    }
  });
  it('runs one worker per core by default in production (NODE_ENV=production), one process elsewhere', async () => {
    const engine = await startFakeEngine({ defaultTokens: 2 });
    cleanups.push(() => engine.close());
    const yaml = (d: string): string => oneModelYaml(engine.url, `log_level: warn\ndata_dir: ${d}`);
    const prod = await startGateway(yaml(mkdtempSync(join(tmpdir(), 'relais-workers-'))), { env: { NODE_ENV: 'production' } });
    cleanups.push(() => prod.stop('SIGKILL'));
    const dev = await startGateway(yaml(mkdtempSync(join(tmpdir(), 'relais-workers-'))), { env: { NODE_ENV: 'development' } });
    cleanups.push(() => dev.stop('SIGKILL'));
    const ready = (lines: string[]): number => lines.filter((l) => l.includes('worker_ready')).length;
    const cores = availableParallelism();
    assert.equal(ready(prod.lines), cores > 1 ? cores : 0, prod.lines.join('\n'));
    assert.equal(ready(dev.lines), 0, dev.lines.join('\n'));
    assert.equal((await fetch(`${prod.url}/health`)).status, 200);
    assert.equal(await prod.stop('SIGTERM'), 0, prod.lines.join('\n'));
    assert.equal(await dev.stop('SIGTERM'), 0, dev.lines.join('\n'));
  });
});
