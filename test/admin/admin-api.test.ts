// The admin API and GET /v1/key over real HTTP, on an in-process gateway with a SQLite store and a fake engine.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createAccess } from '../../src/access/create-access.js';
import type { KeyAccess } from '../../src/access/key-access.js';
import { configSchema } from '../../src/config/schema.js';
import { adminRoutes } from '../../src/server/admin/routes.js';
import { Gateway } from '../../src/server/gateway.js';
import type { Store } from '../../src/store/types.js';
import { createUsageWriter, type UsageWriter } from '../../src/usage/batched-writer.js';
import { createLogger } from '../../src/telemetry/log.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { sqliteTestStore } from '../store/services.js';

const MASTER = 'sk-master-admin-test';

interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, unknown> & { error?: { message: string; param: string | null; code: string | null }; data?: unknown };
  text: string;
}

describe('admin API', () => {
  let engine: FakeEngine;
  let store: Store;
  let cleanup: () => Promise<void>;
  let access: KeyAccess;
  let usage: UsageWriter;
  let gateway: Gateway;
  let base: string;

  async function call(method: string, path: string, opts: { key?: string | undefined; body?: unknown; raw?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    const key = 'key' in opts ? opts.key : MASTER;
    if (key) headers.authorization = `Bearer ${key}`;
    if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${base}${path}`, { method, headers, body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)) });
    const text = await res.text();
    let json = {} as Reply['json'];
    try {
      json = JSON.parse(text) as Reply['json'];
    } catch {
      // CSV
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  const chat = (key: string, model = 'm', maxTokens = 5) =>
    call('POST', '/v1/chat/completions', { key, body: { model, max_tokens: maxTokens, messages: [{ role: 'user', content: 'hello there' }] } });

  function expect400(r: Reply, param: string): void {
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error?.param, param, r.text);
    assert.match(r.json.error?.message ?? '', new RegExp(param.replace(/[[\]]/g, '\\$&')));
  }

  before(async () => {
    engine = await startFakeEngine();
    ({ store, cleanup } = await sqliteTestStore.open());
    const config = configSchema.parse({
      master_key: MASTER,
      log_level: 'error',
      backends: { a: { kind: 'vllm', url: engine.url } },
      models: [
        { name: 'm', deployments: [{ backend: 'a', model: 'fake-model' }], price: { input: 1000, output: 2000 } },
        { name: 'other', deployments: [{ backend: 'a', model: 'fake-model' }] },
      ],
      health: { interval_ms: 60_000 },
    });
    access = await createAccess({ config, store, redis: null, warn: () => undefined });
    usage = createUsageWriter(store, { flushMs: 50, warn: () => undefined });
    gateway = await Gateway.create(config, {
      log: createLogger('error'),
      access,
      usage,
      extraRoutes: adminRoutes({ store, access, usage, maxBodyBytes: config.limits.max_body_bytes }),
    });
    const addr = await gateway.listen('127.0.0.1', 0);
    base = `http://127.0.0.1:${addr.port}`;
  });
  after(async () => {
    await gateway.close(1000);
    await cleanup();
    await engine.close();
  });

  it('creates a key (secret shown once), which then works for requests', async () => {
    const r = await call('POST', '/admin/keys', { body: { name: 'ada', models: ['m'], rpm: 100, budget: 50, budget_period: 'monthly', zones: ['local'] } });
    assert.equal(r.status, 201, r.text);
    assert.match(String(r.json.id), /^key_/);
    assert.match(String(r.json.key), /^rl-/);
    assert.equal(r.json.status, 'active');
    assert.equal(r.json.hash, undefined);
    const ok = await chat(String(r.json.key));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.headers.get('x-ratelimit-limit-requests'), '100');
    const shown = await call('GET', `/admin/keys/${String(r.json.id)}`);
    assert.equal(shown.json.key, undefined, 'the secret is never shown again');
    assert.equal(shown.json.prefix, String(r.json.key).slice(0, 10));
    const denied = await chat(String(r.json.key), 'other');
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error?.code, 'model_not_allowed');
  });

  it('answers bad input with 400 naming the field', async () => {
    expect400(await call('POST', '/admin/keys', { body: { name: 'x', colour: 'red' } }), 'colour');
    expect400(await call('POST', '/admin/keys', { body: { name: 'x', rpm: '10' } }), 'rpm');
    expect400(await call('POST', '/admin/keys', { body: { name: 'x', rpm: 1.5 } }), 'rpm');
    expect400(await call('POST', '/admin/keys', { body: { name: 'x', budget: -5 } }), 'budget');
    expect400(await call('POST', '/admin/keys', { body: { name: 'x', budget_period: 'yearly' } }), 'budget_period');
    expect400(await call('POST', '/admin/keys', { body: { name: 'x', zones: ['EU west'] } }), 'zones[0]');
    expect400(await call('POST', '/admin/keys', { body: { name: 'x', expires_at: 'tomorrow' } }), 'expires_at');
    expect400(await call('POST', '/admin/keys', { body: { name: 'x', user_id: 'nobody' } }), 'user_id');
    expect400(await call('POST', '/admin/keys', { body: { rpm: 5 } }), 'name');
    expect400(await call('POST', '/admin/keys', { body: [1, 2] }), 'body');
    const badJson = await call('POST', '/admin/keys', { raw: '{"name": ' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.json.error?.code, 'invalid_json');
    const created = await call('POST', '/admin/keys', { body: { name: 'patch-me' } });
    expect400(await call('PATCH', `/admin/keys/${String(created.json.id)}`, { body: { budget: -1 } }), 'budget');
    expect400(await call('PATCH', `/admin/keys/${String(created.json.id)}`, { body: { tpm: 0 } }), 'tpm');
    expect400(await call('POST', '/admin/users', { body: { name: 'u', email: 'not-an-email' } }), 'email');
    expect400(await call('GET', '/admin/usage?group_by=colour'), 'group_by');
    expect400(await call('GET', '/admin/usage?from=yesterday'), 'from');
    assert.equal((await call('GET', '/admin/keys')).status, 200, 'the gateway keeps serving');
  });

  it('refuses non-admin keys and anonymous callers', async () => {
    const k = await call('POST', '/admin/keys', { body: { name: 'plain' } });
    const r = await call('GET', '/admin/keys', { key: String(k.json.key) });
    assert.equal(r.status, 403);
    assert.equal((await call('GET', '/admin/keys', { key: undefined })).status, 401);
    const adminKey = await call('POST', '/admin/keys', { body: { name: 'boss', admin: true } });
    assert.equal((await call('GET', '/admin/keys', { key: String(adminKey.json.key) })).status, 200);
    assert.equal((await call('GET', '/admin/nothing')).status, 404);
    assert.equal((await call('PUT', '/admin/keys')).status, 405);
  });

  it('updates and revokes keys; a revoked key stops at once', async () => {
    const k = await call('POST', '/admin/keys', { body: { name: 'temp', rpm: 10 } });
    const id = String(k.json.id);
    const p = await call('PATCH', `/admin/keys/${id}`, { body: { rpm: null, concurrency: 2, name: 'temp2' } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.rpm, null);
    assert.equal(p.json.concurrency, 2);
    assert.equal(p.json.name, 'temp2');
    assert.equal((await chat(String(k.json.key))).status, 200);
    const d = await call('DELETE', `/admin/keys/${id}`);
    assert.equal(d.json.status, 'revoked');
    const after = await chat(String(k.json.key));
    assert.equal(after.status, 401);
    assert.match(after.json.error?.message ?? '', /revoked/);
    assert.equal((await call('GET', '/admin/keys/key_missing')).status, 404);
    const list = await call('GET', '/admin/keys');
    assert.ok((list.json.data as { id: string }[]).some((x) => x.id === id));
  });

  it('manages users and teams; a user key takes the user’s team', async () => {
    const t = await call('POST', '/admin/teams', { body: { name: 'Physics' } });
    assert.equal(t.status, 201);
    const u = await call('POST', '/admin/users', { body: { name: 'Marie', email: 'marie@example.org', team_id: t.json.id } });
    assert.equal(u.status, 201, u.text);
    const k = await call('POST', '/admin/keys', { body: { name: 'marie-laptop', user_id: u.json.id } });
    assert.equal(k.json.team_id, t.json.id);
    assert.equal((await call('PATCH', `/admin/users/${String(u.json.id)}`, { body: { name: 'Marie C.' } })).json.name, 'Marie C.');
    assert.equal((await call('GET', '/admin/users')).status, 200);
    assert.equal((await call('GET', `/admin/teams/${String(t.json.id)}`)).json.name, 'Physics');
    assert.equal((await call('DELETE', `/admin/teams/${String(t.json.id)}`)).status, 200);
    assert.equal((await call('GET', `/admin/users/${String(u.json.id)}`)).json.team_id, null);
    assert.equal((await call('DELETE', `/admin/teams/${String(t.json.id)}`)).status, 404);
  });

  it('reports usage by key, model, day as JSON or CSV, and the caller’s own key at /v1/key', async () => {
    const k = await call('POST', '/admin/keys', { body: { name: 'counted', budget: 10, budget_period: 'daily', rpm: 50, concurrency: 4 } });
    const secret = String(k.json.key);
    for (let i = 0; i < 5; i++) assert.equal((await chat(secret, 'm', 4)).status, 200);
    const byKey = await call('GET', `/admin/usage?group_by=key`);
    const row = (byKey.json.data as { group: string; requests: number; cost: number }[]).find((r) => r.group === k.json.id);
    assert.equal(row?.requests, 5);
    assert.ok((row?.cost ?? 0) > 0);
    const today = new Date().toISOString().slice(0, 10);
    const csv = await call('GET', `/admin/usage?group_by=model&from=${today}&to=${today}&format=csv`);
    assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(csv.text, /^group,requests,errors,prompt_tokens,completion_tokens,cached_tokens,cost,avg_ms\r\n/);
    assert.match(csv.text, /\r\nm,\d+,/);
    const byDay = await call('GET', '/admin/usage?group_by=day');
    assert.deepEqual((byDay.json.data as { group: string }[]).map((r) => r.group), [today]);

    const own = await call('GET', '/v1/key', { key: secret });
    assert.equal(own.status, 200, own.text);
    const data = own.json.data as { id: string; usage: { requests: number; cost: number }; remaining: { budget: number; requests_this_minute: number; concurrent: number }; budget: number };
    assert.equal(data.id, k.json.id);
    assert.equal(data.usage.requests, 5);
    assert.ok(data.usage.cost > 0);
    assert.ok(Math.abs(data.remaining.budget - (10 - data.usage.cost)) < 1e-6);
    assert.equal(data.remaining.requests_this_minute, 45);
    assert.equal(data.remaining.concurrent, 4);
    const master = await call('GET', '/v1/key');
    assert.equal((master.json.data as { kind: string }).kind, 'master');
  });

  it('keeps an audit record of every admin action', async () => {
    const a = await call('GET', '/admin/audit?limit=500');
    const actions = (a.json.data as { action: string; actor: string }[]).map((x) => x.action);
    for (const want of ['key.create', 'key.update', 'key.revoke', 'user.create', 'user.update', 'team.create', 'team.delete']) {
      assert.ok(actions.includes(want), `missing ${want}`);
    }
    assert.equal((a.json.data as { actor: string }[])[0]?.actor, 'master');
    expect400(await call('GET', '/admin/audit?limit=0'), 'limit');
  });
});
