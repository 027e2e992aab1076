// Review: PostgreSQL connections cut under the gateway — terminated by the server inside a
// transaction, or the network down for seconds under load. Nothing may crash; requests keep being
// served from the key cache; buffered usage records reach the store once it is back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openPostgresDb } from '../../src/store/postgres-db.js';
import { openStore } from '../../src/store/open-store.js';
import { createUsageWriter } from '../../src/usage/batched-writer.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { adminQuery, dropSchema, POSTGRES_URL, terminateBackends, uniqueName } from '../store/services.js';
import { createKey } from '../support/admin-keys.js';
import { startFakeEngine } from '../support/fake-engine.js';
import { oneModelYaml, startGateway } from '../support/gateway-process.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const PG = new URL(POSTGRES_URL);
const viaProxy = (port: number): string => {
  const u = new URL(POSTGRES_URL);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
};

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const rec = (i: number): UsageRecord => ({
  requestId: `cut-${i}`, time: Date.now(), keyId: 'k', model: 'm', endpoint: 'chat', backend: 'b', status: 200, outcome: 'completed',
  promptTokens: 3, completionTokens: 4, cachedTokens: 0, tokensEstimated: false, cost: 0.001, queueMs: 0, totalMs: 2, stream: false,
});

describe('review: PostgreSQL connections cut', () => {
  it('a backend terminated inside a transaction fails that transaction; the process lives and the next query reconnects', async () => {
    const schema = uniqueName('relais_cut');
    const db = await openPostgresDb({ url: POSTGRES_URL, schema });
    try {
      const tag = `/* ${schema} */`;
      const inTx = db.tx([{ sql: `SELECT pg_sleep(10) ${tag}`, params: [] }]);
      const rejected = inTx.then(() => undefined, (err: unknown) => err);
      await until('the transaction to run', async () => (await adminQuery(`SELECT pid FROM pg_stat_activity WHERE query LIKE $1 AND state = 'active'`, [`%pg_sleep(10) ${tag}%`])).length > 0);
      await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${tag}%`]);
      const err = await rejected;
      assert.ok(err instanceof Error, 'the transaction fails');
      // Idle pooled connections cut by the server are dropped too.
      await db.query(`SELECT 1 ${tag}`);
      const idle = await adminQuery(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND state = 'idle' AND pid <> pg_backend_pid()`, [`%${tag}%`]);
      assert.ok(idle.length > 0, 'an idle pooled connection was terminated');
      await sleep(100);
      const [row] = await db.query('SELECT 41 + 1 AS n');
      assert.equal(Number(row?.n), 42);
    } finally {
      await db.close();
      await dropSchema(schema);
    }
  });

  it('a connection cut while migrations wait for the advisory lock fails that start, not the process; the next start migrates', async () => {
    const proxy = await startTcpProxy(PG.hostname, Number(PG.port || 5432));
    const schema = uniqueName('relais_cutm');
    const holder = new pg.Client({ connectionString: POSTGRES_URL });
    await holder.connect();
    try {
      // Another instance holds the migration lock: ours waits inside its transaction.
      await holder.query(`CREATE SCHEMA ${schema}`);
      await holder.query(`SELECT pg_advisory_lock(hashtext('relais-migrate:' || $1::text))`, [schema]);
      const url = viaProxy(proxy.port);
      const opening = openStore({ data_dir: '.', store: { kind: 'postgres', url, schema } }).then(
        (store) => store,
        (err: unknown) => err,
      );
      await until('the migration to wait for the lock', async () => {
        const ports = proxy.upstreamPorts();
        return ports.length > 0 && (await adminQuery(`SELECT 1 FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND wait_event_type = 'Lock'`, [ports])).length > 0;
      });
      await terminateBackends(proxy.upstreamPorts());
      assert.ok((await opening) instanceof Error, 'that start fails');
      await holder.query('SELECT pg_advisory_unlock_all()');
      const store = await openStore({ data_dir: '.', store: { kind: 'postgres', url, schema } });
      assert.equal(await store.countUsage(), 0, 'the next start migrated');
      await store.close();
    } finally {
      await holder.end();
      await proxy.close();
      await dropSchema(schema);
    }
  });

  it('the usage writer survives connections cut mid-write and writes every record once the database is back', async () => {
    const proxy = await startTcpProxy(PG.hostname, Number(PG.port || 5432));
    const schema = uniqueName('relais_cutw');
    const store = await openStore({ data_dir: '.', store: { kind: 'postgres', url: viaProxy(proxy.port), schema } });
    const warnings: string[] = [];
    const writer = createUsageWriter(store, { batchSize: 200, flushMs: 20, warn: (m) => warnings.push(m) });
    try {
      let n = 0;
      const producing = (async () => {
        for (let round = 0; round < 60; round++) {
          for (let i = 0; i < 100; i++) writer.record(rec(n++));
          await sleep(10);
        }
      })();
      for (let i = 0; i < 8; i++) {
        await sleep(60);
        await terminateBackends(proxy.upstreamPorts());
      }
      proxy.cut();
      await sleep(500);
      proxy.restore();
      await producing;
      await writer.close(20_000);
      assert.equal(await store.countUsage(), n, 'every record written once');
      assert.equal(writer.stats.written, n);
      assert.equal(writer.stats.refused, 0, 'a lost connection never drops a record as bad');
    } finally {
      await store.close();
      await proxy.close();
      await dropSchema(schema);
    }
  });

  it('a gateway under load through cut connections: no crash, keys keep working, records written after recovery', async () => {
    const engine = await startFakeEngine({ tokenDelayMs: 2, defaultTokens: 5 });
    const proxy = await startTcpProxy(PG.hostname, Number(PG.port || 5432));
    const schema = uniqueName('relais_cutg');
    const master = 'sk-master-cut';
    const gw = await startGateway(
      oneModelYaml(
        engine.url,
        `master_key: ${master}\nlog_level: warn\nstore: { kind: postgres, url: "${viaProxy(proxy.port)}", schema: ${schema}, pool_size: 4 }\naccess: { refresh_ms: 100 }`,
      ),
    );
    try {
      const key = await createKey(gw.url, master, { name: 'load', rpm: 100000, budget: 1000 });
      let answered = 0;
      const failures: string[] = [];
      let stop = false;
      const client = async (c: number): Promise<void> => {
        for (let i = 0; !stop; i++) {
          try {
            const r = await fetch(`${gw.url}/v1/chat/completions`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json', 'x-request-id': `cut-${c}-${i}` },
              body: JSON.stringify({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
            });
            await r.text();
            if (r.status === 200) answered++;
            else failures.push(`${r.status}`);
          } catch (err) {
            failures.push(`no answer: ${String(err)}`);
            return;
          }
        }
      };
      const clients = Array.from({ length: 8 }, (_, c) => client(c));
      await sleep(500);
      // The server terminates the gateway's connections, again and again.
      for (let i = 0; i < 10; i++) {
        await terminateBackends(proxy.upstreamPorts());
        await sleep(100);
      }
      // Then the network to the database is down for 2 s.
      proxy.cut();
      const during = await fetch(`${gw.url}/admin/keys`, { headers: { authorization: `Bearer ${master}` } });
      assert.equal(during.status, 503, 'the admin API says the database is unavailable, not a 500');
      const requestId = during.headers.get('x-request-id') ?? '';
      // The line may reach us after the answer: wait for it.
      await until('an error line with the request id and its cause', async () => gw.lines.some((l) => l.includes('"level":"error"') && l.includes(requestId) && l.includes('"cause"')), 5_000);
      await sleep(2_000);
      proxy.restore();
      await sleep(500);
      stop = true;
      await Promise.all(clients);
      assert.equal(gw.proc.exitCode, null, `the gateway is alive:\n${gw.lines.join('\n')}`);
      assert.deepEqual(failures, [], 'every request was served from the key cache');
      assert.ok(answered > 20, `answered ${answered}`);
      const count = async (): Promise<number> => Number((await adminQuery<{ n: string }>(`SELECT COUNT(*) AS n FROM ${schema}.usage`))[0]?.n);
      await until(`${answered} records in the store`, async () => (await count()) >= answered);
      assert.equal(await count(), answered, 'one record per answered request, none doubled');
      assert.equal(await gw.stop('SIGTERM'), 0, gw.lines.join('\n'));
      assert.equal(gw.lines.some((l) => /uncaught|unhandled/i.test(l)), false, gw.lines.join('\n'));
    } finally {
      await gw.stop('SIGKILL');
      await proxy.close();
      await engine.close();
      await dropSchema(schema);
    }
  });
});
