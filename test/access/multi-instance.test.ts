// Three gateway processes on one PostgreSQL and one Redis: a key at 100 rpm, 1,000 requests spread
// over the three within a minute → 100 accepted (±1), the rest 429; every request leaves one usage record.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createKey } from '../support/admin-keys.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { POSTGRES_URL, REDIS_URL, dropSchema, uniqueName } from '../store/services.js';

const MASTER = 'sk-multi-master';

describe('three gateways, one PostgreSQL, one Redis', () => {
  let engine: FakeEngine;
  let gateways: GatewayProcess[] = [];
  const schema = uniqueName('relais_multi');
  const prefix = uniqueName('relais_multi');

  before(async () => {
    engine = await startFakeEngine();
    const yaml = `
master_key: ${MASTER}
log_level: warn
store: { kind: postgres, url: "${POSTGRES_URL}", schema: ${schema} }
redis: { url: "${REDIS_URL}", prefix: ${prefix} }
access: { refresh_ms: 200 }
backends:
  a: { kind: vllm, url: ${engine.url} }
models:
  - name: m
    deployments: [ { backend: a, model: fake-model } ]
    price: { input: 1, output: 2 }
`;
    // Started together: migrations must run once on the shared schema.
    gateways = await Promise.all([1, 2, 3].map(() => startGateway(yaml)));
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await engine.close();
    await dropSchema(schema);
  });

  it('admits exactly the key’s rpm across the three instances', async () => {
    const { key } = await createKey((gateways[0] as GatewayProcess).url, MASTER, { name: 'shared', rpm: 100 });
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    // The other instances learn of the key within access.refresh_ms.
    const t0 = Date.now();
    for (const g of gateways) {
      while ((await fetch(`${g.url}/v1/key`, { headers: auth })).status !== 200) {
        assert.ok(Date.now() - t0 < 5_000, 'key not visible on every instance within 5 s');
        await sleep(50);
      }
    }
    const seenAfter = Date.now() - t0;

    const statuses = new Map<number, number>();
    let retryAfterOk = true;
    let next = 0;
    const started = Date.now();
    // 1,000 requests, 30 at a time, round-robin over the instances.
    await Promise.all(Array.from({ length: 30 }, async () => {
      while (next < 1000) {
        const i = next++;
        const g = gateways[i % 3] as GatewayProcess;
        const res = await fetch(`${g.url}/v1/chat/completions`, {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: `hi ${i}` }] }),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 429 && !(Number(res.headers.get('retry-after')) >= 1 && res.headers.get('x-ratelimit-remaining-requests') === '0')) retryAfterOk = false;
      }
    }));
    const elapsed = Date.now() - started;
    console.log(`# key visible everywhere after ${seenAfter} ms; 1,000 requests in ${elapsed} ms: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok(elapsed < 60_000, 'all requests within the window');
    const accepted = statuses.get(200) ?? 0;
    assert.ok(Math.abs(accepted - 100) <= 1, `accepted ${accepted}`);
    assert.equal(statuses.get(429), 1000 - accepted);
    assert.ok(retryAfterOk, '429s carry Retry-After and x-ratelimit headers');

    // Every request, admitted or refused, leaves one usage record (written in batches, flushed on stop).
    await Promise.all(gateways.map((g) => g.stop()));
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const rows = (await client.query(`SELECT outcome, COUNT(*)::int AS n FROM ${schema}.usage GROUP BY outcome ORDER BY outcome`)).rows as { outcome: string; n: number }[];
      assert.deepEqual(rows, [{ outcome: 'completed', n: accepted }, { outcome: 'rejected', n: 1000 - accepted }]);
    } finally {
      await client.end();
    }
  });
});
