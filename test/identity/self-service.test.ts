// Self-service keys through a real gateway (SQLite): a user's key creates, lists and revokes the user's
// own keys within the team's key policy; the admin does the same for any user under /admin/users/{id}/keys.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { createKey } from '../support/admin-keys.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { requestJson } from '../support/http-json.js';

const MASTER = 'sk-self-master';
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

describe('self-service keys', () => {
  let engine: FakeEngine;
  let gw: GatewayProcess;
  const as = (key: string, method: string, path: string, body?: unknown) => requestJson(`${gw.url}${path}`, method, body, bearer(key));

  before(async () => {
    engine = await startFakeEngine();
    gw = await startGateway(`
master_key: ${MASTER}
log_level: warn
store: { kind: sqlite, path: relais.db }
backends:
  a: { kind: vllm, url: ${engine.url} }
models:
  - { name: m, deployments: [ { backend: a, model: fake-model } ] }
  - { name: other, deployments: [ { backend: a, model: fake-model } ] }
`);
  });
  after(async () => {
    await gw.stop();
    await engine.close();
  });

  it('creates, lists and revokes own keys within the team policy, and refuses what the policy does not allow', async () => {
    const team = await as(MASTER, 'POST', '/admin/teams', {
      name: 'lab', key_policy: { models: ['m'], max_budget: 5, budget_period: 'weekly', max_keys_per_user: 2, max_expiry_days: 30 },
    });
    assert.equal(team.status, 201, team.text);
    assert.deepEqual(team.json.key_policy, { models: ['m'], zones: ['any'], max_budget: 5, budget_period: 'weekly', max_keys_per_user: 2, max_expiry_days: 30 });
    const ada = (await as(MASTER, 'POST', '/admin/users', { name: 'ada', team_id: team.json.id })).json;
    const bob = (await as(MASTER, 'POST', '/admin/users', { name: 'bob', team_id: team.json.id })).json;
    const adaKey = (await createKey(gw.url, MASTER, { name: 'ada-main', user_id: ada.id })).key;
    const bobKey = (await createKey(gw.url, MASTER, { name: 'bob-main', user_id: bob.id })).key;

    const me = await as(adaKey, 'GET', '/v1/me');
    assert.equal(me.status, 200, me.text);
    const meData = me.json.data as Record<string, unknown>;
    assert.equal(meData.id, ada.id);
    assert.equal(meData.active_keys, 1);
    assert.equal((meData.key_policy as { max_budget: number }).max_budget, 5);

    // Absent fields take the policy's bounds.
    const created = await as(adaKey, 'POST', '/v1/me/keys', { name: 'laptop' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.budget, 5);
    assert.equal(created.json.budget_period, 'weekly', "the policy's period");
    assert.deepEqual(created.json.models, ['m']);
    assert.equal(created.json.user_id, ada.id);
    assert.equal(created.json.team_id, team.json.id);
    assert.equal(created.json.admin, false);
    const expires = Date.parse(created.json.expires_at as string);
    assert.ok(expires > Date.now() + 29 * 86_400_000 && expires <= Date.now() + 30 * 86_400_000, String(created.json.expires_at));
    const secret = created.json.key as string;

    // The new key works with the official client, for the policy's model only.
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: secret });
    const done = await client.chat.completions.create({ model: 'm', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(done.object, 'chat.completion');
    await assert.rejects(client.chat.completions.create({ model: 'other', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 403);

    for (const [body, words] of [
      [{ name: 'big', budget: 6 }, 'at most 5 credits'],
      [{ name: 'unlimited', budget: null }, 'at most 5 credits'],
      [{ name: 'wrong-model', models: ['other'] }, 'other'],
      [{ name: 'all-models', models: ['*'] }, '*'],
      [{ name: 'forever', expires_at: null }, '30 days'],
      [{ name: 'late', expires_at: Date.now() + 31 * 86_400_000 }, '30 days'],
    ] as const) {
      const r = await as(adaKey, 'POST', '/v1/me/keys', body);
      assert.equal(r.status, 403, `${JSON.stringify(body)}: ${r.text}`);
      const err = r.json.error as { code: string; message: string };
      assert.equal(err.code, 'key_policy_violation');
      assert.ok(err.message.includes(words), err.message);
    }
    // Fields a user may not set, and hostile values, are 400s that name the field.
    for (const body of [{ name: 'x', admin: true }, { name: 'x', user_id: bob.id }, { name: 'x', budget: 1, budget_period: 'daily' }, { name: 'x\u0000y' }, { name: 'x', budget: 1e308 }, { name: 'x', rpm: -1 }, []]) {
      const r = await as(adaKey, 'POST', '/v1/me/keys', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    }

    // Two active keys (the admin's and the new one): the third is refused.
    const third = await as(adaKey, 'POST', '/v1/me/keys', { name: 'third', budget: 1 });
    assert.equal(third.status, 403, third.text);
    assert.match((third.json.error as { message: string }).message, /at most 2 active keys/);

    const mine = await as(adaKey, 'GET', '/v1/me/keys');
    assert.deepEqual((mine.json.data as { name: string }[]).map((k) => k.name).sort(), ['ada-main', 'laptop']);
    // Another user's key is invisible and cannot be revoked.
    const bobs = await as(bobKey, 'GET', '/v1/me/keys');
    const bobKeyId = (bobs.json.data as { id: string }[])[0]?.id as string;
    assert.equal((await as(adaKey, 'DELETE', `/v1/me/keys/${bobKeyId}`)).status, 404);

    const revoked = await as(adaKey, 'DELETE', `/v1/me/keys/${created.json.id as string}`);
    assert.equal(revoked.status, 200, revoked.text);
    assert.equal(revoked.json.status, 'revoked');
    assert.equal((await as(secret, 'GET', '/v1/key')).status, 401);
    // A slot is free again.
    assert.equal((await as(adaKey, 'POST', '/v1/me/keys', { name: 'again', budget: 2, expires_at: '2026-12-31' })).status, 201);

    // The admin's user-scoped operations: the same policy, any user.
    const adminList = await as(MASTER, 'GET', `/admin/users/${bob.id as string}/keys`);
    assert.deepEqual((adminList.json.data as { name: string }[]).map((k) => k.name), ['bob-main']);
    const forBob = await as(MASTER, 'POST', `/admin/users/${bob.id as string}/keys`, { name: 'bob-2', budget: 3 });
    assert.equal(forBob.status, 201, forBob.text);
    assert.equal(forBob.json.user_id, bob.id);
    assert.equal((await as(MASTER, 'POST', `/admin/users/${bob.id as string}/keys`, { name: 'bob-3' })).status, 403);
    assert.equal((await as(MASTER, 'DELETE', `/admin/users/${bob.id as string}/keys/${forBob.json.id as string}`)).status, 200);
    assert.equal((await as(MASTER, 'GET', '/admin/users/user_nobody/keys')).status, 404);
    assert.equal((await as(bobKey, 'GET', `/admin/users/${bob.id as string}/keys`)).status, 403);

    // The audit log records self-service actions.
    const audit = await as(MASTER, 'GET', '/admin/audit');
    const actions = (audit.json.data as { action: string }[]).map((a) => a.action);
    assert.ok(actions.includes('key.create_own') && actions.includes('key.revoke_own'), actions.join(','));
  });

  it('refuses self-service without a user, a team or a policy', async () => {
    const master = await as(MASTER, 'GET', '/v1/me');
    assert.equal(master.status, 403);
    assert.equal((master.json.error as { code: string }).code, 'no_user');
    const loneKey = (await createKey(gw.url, MASTER, { name: 'lone' })).key;
    assert.equal((await as(loneKey, 'POST', '/v1/me/keys', { name: 'x' })).status, 403);
    const noTeam = (await as(MASTER, 'POST', '/admin/users', { name: 'solo' })).json;
    const soloKey = (await createKey(gw.url, MASTER, { name: 'solo', user_id: noTeam.id })).key;
    const r = await as(soloKey, 'POST', '/v1/me/keys', { name: 'x' });
    assert.equal(r.status, 403);
    assert.match((r.json.error as { message: string }).message, /no team/);
    const team = (await as(MASTER, 'POST', '/admin/teams', { name: 'closed' })).json;
    const member = (await as(MASTER, 'POST', '/admin/users', { name: 'm', team_id: team.id })).json;
    const memberKey = (await createKey(gw.url, MASTER, { name: 'm', user_id: member.id })).key;
    assert.match(((await as(memberKey, 'POST', '/v1/me/keys', { name: 'x' })).json.error as { message: string }).message, /not set a key policy/);
    assert.equal((await as(memberKey, 'PUT', '/v1/me/keys', { name: 'x' })).status, 405);
    // A policy set later applies at once; bad policies are 400s.
    assert.equal((await as(MASTER, 'PATCH', `/admin/teams/${team.id as string}`, { key_policy: { max_keys_per_user: 0 } })).status, 400);
    assert.equal((await as(MASTER, 'PATCH', `/admin/teams/${team.id as string}`, { key_policy: { zones: ['EU!'] } })).status, 400);
    assert.equal((await as(MASTER, 'PATCH', `/admin/teams/${team.id as string}`, { key_policy: {} })).status, 200);
    assert.equal((await as(memberKey, 'POST', '/v1/me/keys', { name: 'x' })).status, 201);
  });
});
