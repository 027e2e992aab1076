// An export whose PostgreSQL connection is cut half-way: the client sees a broken transfer (never a
// short file that looks complete), the gateway keeps serving, and the next export is whole.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { createAccess } from '../../src/access/create-access.js';
import { configSchema } from '../../src/config/schema.js';
import { adminRoutes } from '../../src/server/admin/routes.js';
import { Gateway } from '../../src/server/gateway.js';
import { openStore } from '../../src/store/open-store.js';
import { createLogger } from '../../src/telemetry/log.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { POSTGRES_URL, dropSchema, uniqueName } from '../store/services.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const MASTER = 'sk-master-export-outage';
const PG = new URL(POSTGRES_URL);

it('PostgreSQL cut during an export: the transfer breaks, the gateway serves on, the next export is whole', async () => {
  const proxy = await startTcpProxy(PG.hostname, Number(PG.port || 5432));
  const schema = uniqueName('relais_export_cut');
  const url = new URL(POSTGRES_URL);
  url.host = `127.0.0.1:${proxy.port}`;
  const store = await openStore({ data_dir: '.', store: { kind: 'postgres', url: url.toString(), schema } });
  const config = configSchema.parse({ master_key: MASTER, log_level: 'error', models: [], access: { open: 'never' } });
  const access = await createAccess({ config, store, redis: null, warn: () => undefined });
  // The 503s below are logged as errors, as they should be; the test's output does not need them.
  const sink = new PassThrough().resume();
  const gateway = await Gateway.create(config, { log: createLogger('error', sink, sink), access, extraRoutes: adminRoutes({ store, access, maxBodyBytes: 1 << 20 }) });
  const base = `http://127.0.0.1:${(await gateway.listen('127.0.0.1', 0)).port}`;
  try {
    const start = Date.UTC(2026, 4, 1);
    const n = 12_000;
    const many: UsageRecord[] = [];
    for (let i = 0; i < n; i++) {
      many.push({
        requestId: `cut-${String(i).padStart(6, '0')}`, time: start + i, keyId: 'k', model: 'm', endpoint: 'chat', status: 200, outcome: 'completed',
        tokensEstimated: false, queueMs: 0, totalMs: 1, stream: false, error: 'y'.repeat(2000),
      });
    }
    for (let i = 0; i < n; i += 1000) await store.insertUsage(many.slice(i, i + 1000));
    const headers = { authorization: `Bearer ${MASTER}` };

    const res = await request(`${base}/admin/usage/export?from=2026-05-01&to=2026-05-01`, { headers });
    assert.equal(res.statusCode, 200);
    const it = res.body[Symbol.asyncIterator]();
    await it.next();
    proxy.cut();
    let received = 0;
    await assert.rejects(async () => {
      for (let c = await it.next(); !c.done; c = await it.next()) received += (c.value as Buffer).length;
    }, 'the transfer ends in an error, not a clean end');
    assert.ok(received < n * 2000, `${received} bytes before the break`);

    const live = await fetch(`${base}/health/live`);
    assert.equal(live.status, 200, 'the gateway serves on');
    const during = await fetch(`${base}/admin/usage/export?from=2026-05-01&to=2026-05-01`, { headers });
    assert.equal(during.status, 503, 'a database out of reach before the first byte is a clean 503');
    await during.text();

    proxy.restore();
    const whole = await fetch(`${base}/admin/usage/export?from=2026-05-01&to=2026-05-01&format=csv`, { headers });
    assert.equal(whole.status, 200);
    const lines = (await whole.text()).trimEnd().split('\r\n');
    assert.equal(lines.length, n + 1);
  } finally {
    await gateway.close(1000);
    await store.close();
    await proxy.close();
    await dropSchema(schema);
  }
});
