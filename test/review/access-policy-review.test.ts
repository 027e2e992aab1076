// Review (issue 11, items 10 and 17): a gateway without a master key stays closed once it has had a
// key, unless access.open says otherwise (and says so in the log); a key's model list binds its
// fallbacks; engine error text never carries a configured secret to the client or the usage record.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createAccess } from '../../src/access/create-access.js';
import { createKey, revokeKey } from '../../src/access/identity-ops.js';
import type { Config } from '../../src/config/schema.js';
import { GatewayError } from '../../src/protocol/errors.js';
import { sqliteTestStore } from '../store/services.js';
import { sleep, sse, startEngine } from './harness.js';
import { startKeyedGateway } from './keyed-gateway.js';

const models = [{ name: 'm' }] as unknown as Config['models'];

describe('review: openness of a gateway without a master key (item 10)', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  async function gateway(open?: 'until_first_key' | 'while_no_usable_key' | 'never') {
    const { store, cleanup } = await sqliteTestStore.open();
    const warnings: string[] = [];
    const access = await createAccess({ config: { models, access: { refresh_ms: 50, log_retention_days: 30, ...(open ? { open } : {}) } }, store, redis: null, warn: (m) => warnings.push(m) });
    closers.push(cleanup, () => access.close());
    return { store, access, warnings };
  }

  const anonymous = (access: { authenticate(c: object): { kind: string } }): string => {
    try {
      return access.authenticate({}).kind;
    } catch (err) {
      assert.ok(err instanceof GatewayError && err.status === 401, String(err));
      return '401';
    }
  };

  it('stays closed after its last key expires or is revoked, and logs the change at warn', async () => {
    const { store, access, warnings } = await gateway();
    assert.equal(anonymous(access), 'anonymous', 'a fresh gateway is open');
    const { row } = await createKey(store, { name: 'a' }, 'test');
    await createKey(store, { name: 'short', expires_at: Date.now() + 300 }, 'test');
    await access.refresh();
    assert.equal(anonymous(access), '401');
    assert.ok(warnings.some((w) => /now closed/.test(w)), warnings.join('\n'));
    await revokeKey(store, row.id, 'test');
    await access.refresh();
    await sleep(400);
    assert.equal(anonymous(access), '401', 'every key revoked or expired: still closed');
    assert.equal(access.open, false);
    assert.ok(!warnings.some((w) => /OPEN/.test(w)), warnings.join('\n'));
  });

  it('re-opens only when access.open says while_no_usable_key, with a warning', async () => {
    const { store, access, warnings } = await gateway('while_no_usable_key');
    await createKey(store, { name: 'short', expires_at: Date.now() + 300 }, 'test');
    await access.refresh();
    assert.equal(anonymous(access), '401');
    await sleep(400);
    assert.equal(anonymous(access), 'anonymous');
    assert.ok(warnings.some((w) => /now OPEN/.test(w)), warnings.join('\n'));
  });

  it('access.open never closes even a fresh store', async () => {
    const { access } = await gateway('never');
    assert.equal(anonymous(access), '401');
  });
});

describe('review: fallbacks and relayed secrets (item 17)', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });
  const BACKEND_KEY = 'sk-backend-secret-9f8e7d6c';

  it("a fallback outside the key's model list is never used", async () => {
    const down = await startEngine((_q, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"overloaded"}}');
    });
    const up = await startEngine((_q, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    });
    const gw = await startKeyedGateway({
      backends: { down: { kind: 'vllm', url: down.url }, up: { kind: 'vllm', url: up.url } },
      models: [
        { name: 'cheap', deployments: [{ backend: 'down', model: 'x' }], fallbacks: ['premium'] },
        { name: 'premium', deployments: [{ backend: 'up', model: 'y' }] },
      ],
    });
    closers.push(down.close, up.close, gw.close);
    const body = { model: 'cheap', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] };
    const limited = await gw.key({ models: ['cheap'] });
    const r = await gw.post('/v1/chat/completions', body, limited.secret);
    assert.notEqual(r.status, 200, `served by the fallback: ${r.text}`);
    assert.equal(up.posts, 0, 'the premium engine was never called');
    const everything = await gw.key({});
    assert.equal((await gw.post('/v1/chat/completions', body, everything.secret)).status, 200, 'a key that may use premium still falls back');
  });

  it('engine error text that echoes a backend api_key or the master key is masked for the client and the record', async () => {
    const MASTER = 'sk-master-key-1234abcd';
    const engine = await startEngine((req, res, body) => {
      const echoed = `${String(req.headers.authorization)} and ${MASTER}`;
      if (body.stream === true) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        sse(res, { id: 'c', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] });
        // Mid-stream an engine can echo only what it was sent: its own key.
        sse(res, { error: { message: `engine crashed with ${String(req.headers.authorization)}`, type: 'internal' } });
        res.end();
        return;
      }
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Invalid key: ${echoed}`, type: 'invalid_request_error' } }));
    });
    const gw = await startKeyedGateway({
      master_key: MASTER,
      backends: { e: { kind: 'vllm', url: engine.url, api_key: BACKEND_KEY } },
      models: [{ name: 'm', deployments: [{ backend: 'e', model: 'm' }] }],
    });
    closers.push(engine.close, gw.close);
    const body = { model: 'm', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] };
    const r = await gw.post('/v1/chat/completions', body, MASTER);
    assert.equal(r.status, 400);
    const s = await gw.post('/v1/chat/completions', { ...body, stream: true }, MASTER);
    const o = await gw.post('/api/chat', { ...body, stream: true }, MASTER);
    for (const text of [r.text, s.text, o.text, JSON.stringify(gw.usage.records)]) {
      assert.ok(!text.includes(BACKEND_KEY) && !text.includes(MASTER), `a secret leaked: ${text.slice(0, 400)}`);
    }
    assert.match(r.text, /\[redacted\]/);
    assert.match(s.text, /\[redacted\]/);
  });
});
