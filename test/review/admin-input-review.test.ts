// Review: hostile admin input. Dates and numbers beyond what a date or a database can hold, text
// with U+0000 or lone surrogates: a 400 naming the field and nothing stored, never a 500 — and a
// bad row already in a database does not break the listings. Errors of extra routes are logged.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testStores } from '../store/services.js';
import { startAdminGateway, type AdminGateway } from './admin-gateway.js';

const audit = { time: 1, actor: 'test', action: 'key.create', targetType: 'key', targetId: 'bad', detail: {} };

for (const kind of testStores) {
  describe(`review: admin input (${kind.name})`, () => {
    let gw: AdminGateway;
    before(async () => {
      gw = await startAdminGateway(kind, {
        extraRoutes: [{ method: 'GET', path: '/review/boom', handler: () => Promise.reject(new Error('boom in an extra route')) }],
      });
    });
    after(async () => {
      await gw.close();
    });

    const refused = async (body: unknown, param: string, path = '/admin/keys', method = 'POST'): Promise<void> => {
      const before = (await gw.store.listKeys()).length;
      const r = await gw.call(method, path, body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.status} ${r.text}`);
      const error = r.json.error as { param: string; message: string };
      assert.equal(error.param, param, r.text);
      assert.match(error.message, new RegExp(param.replace(/[[\]]/g, '\\$&')), r.text);
      assert.equal((await gw.store.listKeys()).length, before, 'nothing stored');
    };

    it('refuses expires_at outside 1970..9999, non-integer or non-finite, naming the field', async () => {
      for (const expires of [9e15, 1e308, -1, 1.5, '275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '9e15']) {
        await refused({ name: 'k', expires_at: expires }, 'expires_at');
      }
      // JSON's 1e400 parses to Infinity.
      await refused('{"name":"k","expires_at":1e400}', 'expires_at');
      const ok = await gw.call('POST', '/admin/keys', { name: 'k', expires_at: '9999-12-31T23:59:59.999Z' });
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.json.expires_at, '9999-12-31T23:59:59.999Z');
    });

    it('refuses limits no database column holds', async () => {
      await refused({ name: 'k', rpm: 1e308 }, 'rpm');
      await refused('{"name":"k","tpm":1e400}', 'tpm');
      await refused({ name: 'k', concurrency: 2 ** 63 }, 'concurrency');
      await refused({ name: 'k', budget: 1e300 }, 'budget');
      await refused({ name: 'k', log_retention_days: 1e20 }, 'log_retention_days');
      await refused({ name: 'k', models: Array.from({ length: 1001 }, (_, i) => `m${i}`) }, 'models');
    });

    it('refuses U+0000, control characters and lone surrogates in text', async () => {
      await refused({ name: 'a\u0000b' }, 'name');
      await refused({ name: 'a\ud800b' }, 'name');
      await refused({ name: 'line\nbreak' }, 'name');
      await refused({ name: 'k', models: ['m\u0000'] }, 'models[0]');
      await refused({ name: 'k', metadata: { note: 'x\udc00' } }, 'metadata.note');
      await refused({ name: 'u\u0000' }, 'name', '/admin/users');
      await refused({ name: 't\ud800' }, 'name', '/admin/teams');
      const ok = await gw.call('POST', '/admin/keys', { name: 'ünïcødé 😀', metadata: { note: 'two\nlines' } });
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.json.name, 'ünïcødé 😀');
    });

    it('answers 400 for usage and audit ranges no date can show', async () => {
      for (const q of ['to=9e15', 'to=9000000000000000', 'from=-5', 'to=99999999999999999999', 'from=275760-09-13', `to=${'9'.repeat(400)}`]) {
        const r = await gw.call('GET', `/admin/usage?${q}`);
        assert.equal(r.status, 400, `${q} → ${r.text}`);
        const audited = await gw.call('GET', `/admin/audit?${q}`);
        assert.equal(audited.status, 400, `${q} → ${audited.text}`);
      }
      assert.equal((await gw.call('GET', '/admin/usage?from=0&to=253402300799999')).status, 200);
    });

    it('lists keys even when a row with an impossible date is already stored', async () => {
      const row = await gw.store.createKey(
        {
          id: 'key_bad', hash: 'h-bad', prefix: 'rl-bad', name: 'bad', userId: null, teamId: null, models: [], expiresAt: 9e15, rpm: null, tpm: null,
          concurrency: null, budget: null, budgetPeriod: 'none', priority: 'interactive', zones: ['any'], logging: 'metadata', logRetentionDays: 30,
          admin: false, metadata: {}, createdAt: Date.now(),
        },
        audit,
      );
      assert.equal(row.id, 'key_bad');
      const list = await gw.call('GET', '/admin/keys');
      assert.equal(list.status, 200, list.text);
      const bad = (list.json.data as { id: string; expires_at: unknown }[]).find((k) => k.id === 'key_bad');
      assert.equal(bad?.expires_at, null);
      assert.equal((await gw.call('GET', '/admin/keys/key_bad')).status, 200);
    });

    it('answers /api/show with a non-object body in Ollama shape, 400', async () => {
      for (const body of ['null', '[]', '42', '"m"', 'true', '{}']) {
        const r = await gw.call('POST', '/api/show', body);
        assert.equal(r.status, 400, `${body} → ${r.text}`);
        assert.equal(typeof r.json.error, 'string', `Ollama's shape: ${r.text}`);
      }
      assert.equal((await gw.call('POST', '/api/show', { model: 'm' })).status, 200);
    });

    it('logs an error inside an extra route at error level, with the request id', async () => {
      const res = await fetch(`${gw.url}/review/boom`, { headers: { authorization: 'Bearer sk-master-review', 'x-request-id': 'boom-1' } });
      assert.equal(res.status, 500);
      const line = gw.logs.find((l) => l.requestId === 'boom-1');
      assert.equal(line?.level, 'error', JSON.stringify(gw.logs));
      assert.match(String(line?.error), /boom in an extra route/);
      assert.equal((await res.text()).includes('boom in an extra route'), false, 'never the error text to the client');
    });
  });
}
