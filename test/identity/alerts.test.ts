// Budget and key-expiry alerts from two gateways sharing PostgreSQL to a real webhook receiver: the
// receiver checks every signature, fails the first delivery, answers slowly, and sees each alert exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKey } from '../support/admin-keys.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { requestJson } from '../support/http-json.js';
import { POSTGRES_URL, dropSchema, uniqueName } from '../store/services.js';

const MASTER = 'sk-alerts-master';
const SECRET = 'whsec-test-0123456789abcdef';

interface Received { id: string; type: string; level: string; threshold_percent?: number }

describe('alerts to a signed webhook, two gateways on PostgreSQL', () => {
  let engine: FakeEngine;
  let gateways: GatewayProcess[] = [];
  let receiver: Server;
  const schema = uniqueName('relais_alerts');
  const delivered: Received[] = [];
  let failed = 0;
  let badSignatures = 0;

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const ts = String(req.headers['x-relais-timestamp'] ?? '');
        const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${ts}.${body}`).digest('hex')}`);
        const got = Buffer.from(String(req.headers['x-relais-signature'] ?? ''));
        if (got.length !== expected.length || !timingSafeEqual(got, expected) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) {
          badSignatures++;
          res.writeHead(401).end();
          return;
        }
        // The very first delivery fails: it must be retried.
        if (failed === 0) {
          failed++;
          res.writeHead(503).end('try later');
          return;
        }
        delivered.push(JSON.parse(body) as Received);
        // A slow receiver (longer than retry_ms and than a check round): nothing may be sent again meanwhile.
        setTimeout(() => res.writeHead(204).end(), 400);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    engine = await startFakeEngine();
    const yaml = `
master_key: ${MASTER}
log_level: warn
store: { kind: postgres, url: "${POSTGRES_URL}", schema: ${schema} }
access: { refresh_ms: 200 }
alerts:
  webhooks: [ { url: "${hook}", secret: ${SECRET} } ]
  budget_thresholds: [50, 80, 100]
  key_expiry_days: 7
  check_ms: 200
  retry_ms: 100
backends:
  a: { kind: vllm, url: ${engine.url} }
models:
  - name: m
    deployments: [ { backend: a, model: fake-model } ]
    price: { input: 1000, output: 1000 }
`;
    gateways = await Promise.all([1, 2].map(() => startGateway(yaml)));
  });
  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await engine.close();
    await new Promise((resolve) => receiver.close(resolve));
    await dropSchema(schema);
  });

  it('delivers each threshold and expiry once, after a failed first attempt', async () => {
    const url = (gateways[0] as GatewayProcess).url;
    const admin = (method: string, path: string, body?: unknown) => requestJson(`${url}${path}`, method, body, { authorization: `Bearer ${MASTER}` });
    const user = (await admin('POST', '/admin/users', { name: 'ada', budget: 4, budget_period: 'daily' })).json;
    // ~1.01 credits per request: 3 requests cross 50/80/100% of the key's 3 and 50% (not 80%) of the user's 4.
    const { id: keyId, key } = await createKey(url, MASTER, { name: 'spender', budget: 3, budget_period: 'daily', user_id: user.id, expires_at: Date.now() + 2 * 86_400_000 });
    for (let i = 0; i < 3; i++) {
      const g = gateways[i % 2] as GatewayProcess;
      let res = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] }),
      });
      // The second instance learns of the key within access.refresh_ms.
      for (let t = 0; res.status === 401 && t < 50; t++) {
        await sleep(100);
        res = await fetch(`${g.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] }),
        });
      }
      assert.equal(res.status, 200, await res.text());
    }
    const expected = [`budget:key:${keyId}:50`, `budget:key:${keyId}:80`, `budget:key:${keyId}:100`, `budget:user:${user.id as string}:50`, `key_expiry:${keyId}`];
    const name = (r: Received): string => (r.type === 'key.expiring' ? `key_expiry:${keyId}` : `budget:${r.level}:${r.id.split(':')[2] as string}:${r.threshold_percent as number}`);
    const t0 = Date.now();
    while (expected.some((e) => !delivered.map(name).includes(e))) {
      assert.ok(Date.now() - t0 < 20_000, `missing alerts: got ${JSON.stringify(delivered.map(name))}`);
      await sleep(100);
    }
    // Many more check rounds on both instances: nothing is sent twice.
    await sleep(2_000);
    console.log(`# alerts: ${delivered.length} delivered, ${failed} failed first attempt, ${badSignatures} bad signatures`);
    assert.deepEqual(delivered.map(name).sort(), [...expected].sort());
    assert.equal(failed, 1);
    assert.equal(badSignatures, 0);

    const list = await admin('GET', '/admin/alerts');
    assert.equal(list.status, 200, list.text);
    const rows = list.json.data as { status: string; attempts: number; kind: string }[];
    assert.equal(rows.length, 5);
    assert.ok(rows.every((r) => r.status === 'delivered'), JSON.stringify(rows));
    assert.deepEqual(rows.map((r) => r.attempts).sort(), [1, 1, 1, 1, 2]);
    const audit = (await admin('GET', '/admin/audit')).json.data as { action: string }[];
    assert.equal(audit.filter((a) => a.action === 'alert.raise').length, 5);
    assert.equal(audit.filter((a) => a.action === 'alert.delivered').length, 5);
    assert.equal((await admin('GET', '/admin/alerts?limit=0')).status, 400);
    assert.equal((await admin('GET', '/admin/alerts?from=yesterday')).status, 400);
  });
});
