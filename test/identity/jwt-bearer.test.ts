// JWT bearer tokens against a real gateway process: an issuer's JWKS served on loopback (rotated during the
// test), tokens signed with jose. A valid token works with the official clients and is attributed to a user
// created from its claims; forged, expired, not-yet-valid, wrong-audience, unknown-issuer, `alg: none`,
// HS256-signed-with-the-public-key and embedded-key tokens are refused with 401 in each client's protocol,
// never 500, and the gateway keeps serving; a disabled user's tokens stop at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { requestJson } from '../support/http-json.js';

const ISSUER = 'https://login.example.org/machines';
const AUDIENCE = 'relais-gateway';

interface KeyPair {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly spki: string;
}

async function keyPair(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, spki: await exportSPKI(publicKey) };
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
const nowS = (): number => Math.floor(Date.now() / 1000);

describe('JWT bearer tokens', { timeout: 120_000 }, () => {
  let engine: FakeEngine;
  let gateway: GatewayProcess;
  let jwksServer: Server;
  let served: JWK[] = [];
  let jwksFetches = 0;
  let k1: KeyPair;
  let k2: KeyPair;
  let attacker: KeyPair;
  const masterKey = 'master-jwt-test-0123456789';

  async function token(key: KeyPair, claims: Record<string, unknown> = {}, opts: { aud?: string; iss?: string; exp?: number; nbf?: number; sub?: string; alg?: string } = {}): Promise<string> {
    let jwt = new SignJWT({ name: 'CI robot', team: 'Robots', ...claims })
      .setProtectedHeader({ alg: opts.alg ?? (key.publicJwk.alg as string), kid: key.kid })
      .setIssuer(opts.iss ?? ISSUER)
      .setAudience(opts.aud ?? AUDIENCE)
      .setSubject(opts.sub ?? 'svc-ci')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? nowS() + 300);
    if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
    return jwt.sign(key.privateKey);
  }

  const chat = (apiKey: string) => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey, maxRetries: 0 }).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hello' }] });
  const admin = (path: string, method = 'GET', body?: unknown) => requestJson(`${gateway.url}${path}`, method, body, { authorization: `Bearer ${masterKey}` });

  async function refusedEverywhere(bad: string, what: string): Promise<void> {
    // OpenAI shape.
    await assert.rejects(chat(bad), (e: unknown) => {
      assert.ok(e instanceof OpenAI.APIError, what);
      assert.equal(e.status, 401, what);
      assert.equal((e.error as { type?: string } | undefined)?.type, 'authentication_error', what);
      return true;
    });
    // Ollama shape ({"error": "..."}).
    const ollama = new Ollama({ host: gateway.url, headers: { authorization: `Bearer ${bad}` } });
    await assert.rejects(ollama.chat({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.equal((e as { status_code?: number }).status_code, 401, what);
      assert.ok((e as Error).message.length > 0);
      return true;
    });
    // Anthropic shape, with the token in x-api-key as the SDK sends it.
    const anthropic = new Anthropic({ baseURL: gateway.url, apiKey: bad, maxRetries: 0 });
    await assert.rejects(anthropic.messages.create({ model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.APIError, what);
      assert.equal(e.status, 401, what);
      assert.equal((e.error as { type?: string; error?: { type?: string } } | undefined)?.error?.type, 'authentication_error', what);
      return true;
    });
  }

  before(async () => {
    [k1, k2, attacker] = await Promise.all([keyPair('k1'), keyPair('k2', 'ES256'), keyPair('k1')]);
    served = [k1.publicJwk];
    jwksServer = createServer((req, res) => {
      if (req.url !== '/jwks') {
        res.writeHead(404).end();
        return;
      }
      jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    const port = (jwksServer.address() as { port: number }).port;
    engine = await startFakeEngine();
    gateway = await startGateway(`master_key: ${masterKey}
log_level: warn
backends:
  a: { kind: vllm, url: ${engine.url} }
models:
  - name: m
    deployments: [ { backend: a, model: fake-model } ]
  - name: other
    deployments: [ { backend: a, model: fake-model } ]
auth:
  jwt:
    - name: machines
      issuer: ${ISSUER}
      jwks_url: http://127.0.0.1:${port}/jwks
      audience: ${AUDIENCE}
      algorithms: [RS256, ES256]
      clock_skew_s: 5
      jwks_cooldown_s: 1
      models_claim: models
      claims: { team: team }
      admin_groups: [relais-admins]
    - name: limited
      issuer: ${ISSUER}/limited
      jwks_url: http://127.0.0.1:${port}/jwks
      audience: ${AUDIENCE}
      models: [m]
      rpm: 2
`);
  });

  after(async () => {
    await gateway?.stop();
    await engine?.close();
    await new Promise<void>((r) => (jwksServer ? jwksServer.close(() => r()) : r()));
  });

  it('accepts a valid token with the official clients and attributes it to a user made from its claims', async () => {
    const t = await token(k1);
    const r = await chat(t);
    assert.ok(r.choices[0]?.message.content);
    const models = await new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: t, maxRetries: 0 }).models.list();
    assert.deepEqual(models.data.map((m) => m.id).sort(), ['m', 'other']);
    for (let i = 0; i < 20; i++) await chat(t);
    assert.equal(jwksFetches, 1, 'the key set is fetched once, not per request');

    const users = (await admin('/admin/users')).json.data as { id: string; source: string; external_subject: string; external_issuer: string; team_id: string | null; name: string; admin: boolean }[];
    const robot = users.find((u) => u.external_subject === 'svc-ci');
    assert.ok(robot);
    assert.equal(robot.source, 'jwt');
    assert.equal(robot.external_issuer, ISSUER);
    assert.equal(robot.name, 'CI robot');
    assert.equal(robot.admin, false);
    const team = await admin(`/admin/teams/${robot.team_id ?? ''}`);
    assert.equal(team.json.name, 'Robots');
    // A second token of the same subject is the same user.
    await chat(await token(k1, { jti: 'another' }));
    assert.equal(((await admin('/admin/users')).json.data as { external_subject: string }[]).filter((u) => u.external_subject === 'svc-ci').length, 1);
    // Usage lands on the user (and team), so user and team budgets and reports see it.
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    let byUser: { group: string; requests: number }[] = [];
    // Records are written in batches: wait (bounded) until all 22 (1 + 20 + 1 chats) are in.
    for (let i = 0; i < 100 && byUser.find((g) => g.group === robot.id)?.requests !== 22; i++) {
      await new Promise((res) => setTimeout(res, 100));
      byUser = (await admin(`/admin/usage?group_by=user&from=${since}&to=${until}`)).json.data as { group: string; requests: number }[];
    }
    assert.equal(byUser.find((g) => g.group === robot.id)?.requests, 22);
    // Not an admin: the admin API says so (403), it does not fail.
    const asRobot = await requestJson(`${gateway.url}/admin/users`, 'GET', undefined, { authorization: `Bearer ${t}` });
    assert.equal(asRobot.status, 403);
  });

  it('narrows the models to the token\'s models claim and grants admin by group', async () => {
    const t = await token(k1, { models: ['other'] }, { sub: 'svc-narrow' });
    await assert.rejects(chat(t), (e: unknown) => e instanceof OpenAI.APIError && e.status === 403);
    const models = await new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: t, maxRetries: 0 }).models.list();
    assert.deepEqual(models.data.map((m) => m.id), ['other']);
    const boss = await token(k1, { groups: ['relais-admins'] }, { sub: 'svc-admin' });
    assert.equal((await requestJson(`${gateway.url}/admin/users`, 'GET', undefined, { authorization: `Bearer ${boss}` })).status, 200);
  });

  it('applies the issuer\'s limits per user and its default models', async () => {
    const t = await token(k1, {}, { iss: `${ISSUER}/limited`, sub: 'svc-limited' });
    await chat(t);
    await chat(await token(k1, { jti: 'second token, same user' }, { iss: `${ISSUER}/limited`, sub: 'svc-limited' }));
    await assert.rejects(chat(t), (e: unknown) => e instanceof OpenAI.APIError && e.status === 429);
    // Another user of the same issuer has their own allowance.
    assert.ok((await chat(await token(k1, {}, { iss: `${ISSUER}/limited`, sub: 'svc-other' }))).choices[0]);
    const models = await new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: t, maxRetries: 0 }).models.list();
    assert.deepEqual(models.data.map((m) => m.id), ['m']);
    // The same subject at two issuers is two users.
    const users = (await admin('/admin/users')).json.data as { external_subject: string; external_issuer: string }[];
    assert.equal(users.filter((u) => u.external_subject === 'svc-limited' && u.external_issuer === `${ISSUER}/limited`).length, 1);
  });

  it("counts a token's requests against its user's stored limits, with and without the issuer's own limits", async () => {
    const userOf = async (sub: string, iss: string): Promise<string> => {
      const users = (await admin('/admin/users')).json.data as { id: string; external_subject: string; external_issuer: string }[];
      const u = users.find((x) => x.external_subject === sub && x.external_issuer === iss);
      assert.ok(u, `user of ${sub}`);
      return u.id;
    };
    const refusedAtUser = (e: unknown): boolean => {
      assert.ok(e instanceof OpenAI.APIError);
      assert.equal(e.status, 429);
      assert.equal(e.headers?.get('x-relais-limit-level'), 'user');
      return true;
    };
    // An issuer without limits of its own: only the user's rpm (set by an admin) applies.
    const t = await token(k1, { jti: 'user-limits' }, { sub: 'svc-user-limits' });
    await chat(t);
    assert.equal((await admin(`/admin/users/${await userOf('svc-user-limits', ISSUER)}`, 'PATCH', { rpm: 2 })).status, 200);
    await chat(t);
    await chat(t);
    await assert.rejects(chat(t), refusedAtUser);
    // An issuer with rpm 2 per user: the user's stored rpm 1 is checked in the same admission and refuses the
    // second request, which the issuer's limit alone would admit. Listing models creates the user without a request.
    const l = await token(k1, {}, { iss: `${ISSUER}/limited`, sub: 'svc-limited-user' });
    await new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: l, maxRetries: 0 }).models.list();
    assert.equal((await admin(`/admin/users/${await userOf('svc-limited-user', `${ISSUER}/limited`)}`, 'PATCH', { rpm: 1 })).status, 200);
    await chat(l);
    await assert.rejects(chat(l), refusedAtUser);
  });

  it('refuses forged, expired, early, wrong-audience, unknown-issuer, alg none, HS256-with-public-key and embedded-key tokens with 401', async () => {
    const good = await token(k1);
    const [h, p] = good.split('.') as [string, string, string];
    const hsWithPublicKey = (secret: string): string => {
      const head = b64({ alg: 'HS256', kid: 'k1', typ: 'JWT' });
      return `${head}.${p}.${createHmac('sha256', secret).update(`${head}.${p}`).digest('base64url')}`;
    };
    const embedded = await new SignJWT({ name: 'x' })
      .setProtectedHeader({ alg: 'RS256', jwk: attacker.publicJwk })
      .setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('svc-evil').setExpirationTime(nowS() + 300)
      .sign(attacker.privateKey);
    const cases: [string, string][] = [
      ['forged (another key with the same kid)', await token(attacker)],
      ['signature of another token', `${h}.${p}.${(await token(k1, { name: 'other' })).split('.')[2] ?? ''}`],
      ['payload changed after signing', `${h}.${b64({ iss: ISSUER, aud: AUDIENCE, sub: 'root', exp: nowS() + 300, groups: ['relais-admins'] })}.${good.split('.')[2] ?? ''}`],
      ['expired', await token(k1, {}, { exp: nowS() - 60 })],
      ['not yet valid', await token(k1, {}, { nbf: nowS() + 600 })],
      ['wrong audience', await token(k1, {}, { aud: 'someone-else' })],
      ['unknown issuer', await token(k1, {}, { iss: 'https://evil.example' })],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`],
      ['alg none with a signature', `${b64({ alg: 'none', kid: 'k1' })}.${p}.${good.split('.')[2] ?? ''}`],
      ['HS256 with the public key (PEM)', hsWithPublicKey(k1.spki)],
      ['HS256 with the public key (JWK n)', hsWithPublicKey(String(k1.publicJwk.n))],
      ['embedded jwk header', embedded],
      ['no exp', await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject('svc-ci').sign(k1.privateKey)],
      ['no subject', await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(nowS() + 300).sign(k1.privateKey)],
      ['NUL in the subject', await token(k1, {}, { sub: 'svc\u0000ci' })],
      ['garbage', 'eyJhbGciOi.eyJ.x'],
      ['huge header', `eyJ${'A'.repeat(12_000)}.${p}.x`],
    ];
    for (const [what, bad] of cases) await refusedEverywhere(bad, what);
    // Still serving, and the valid token still works.
    assert.ok((await chat(good)).choices[0]);
    assert.equal((await fetch(`${gateway.url}/health`)).status, 200);
    assert.ok(!gateway.lines.some((l) => /"status":500|server_error/.test(l)), 'no 500 was logged');
    const users = (await admin('/admin/users')).json.data as { external_subject: string | null }[];
    assert.ok(!users.some((u) => u.external_subject === 'root' || u.external_subject === 'svc-evil'), 'no user was made from a refused token');
  });

  it('follows key rotation: a new kid is fetched (at most once per cooldown), a removed key stops working', async () => {
    const before = jwksFetches;
    const early = await token(k2);
    // Not published yet: refused (the key set is fetched again once for the unknown kid).
    await assert.rejects(chat(early), (e: unknown) => e instanceof OpenAI.APIError && e.status === 401);
    const afterUnknown = jwksFetches;
    assert.ok(afterUnknown - before <= 1);
    // A burst of unknown kids does not hammer the issuer.
    for (let i = 0; i < 10; i++) await assert.rejects(chat(await token(k2, { jti: `burst-${i}` })));
    assert.ok(jwksFetches - afterUnknown <= 1, `fetched ${jwksFetches - afterUnknown} times for a burst of unknown kids`);

    served = [k2.publicJwk];
    await new Promise((r) => setTimeout(r, 1_200));
    const r = await chat(await token(k2, { jti: 'after-rotation' }));
    assert.ok(r.choices[0], 'the rotated key is picked up');
    // k1 was removed from the set: a new token signed with it is refused once the cooldown allowed a look.
    await new Promise((res) => setTimeout(res, 1_200));
    await assert.rejects(chat(await token(k1, { jti: 'old-key' })), (e: unknown) => e instanceof OpenAI.APIError && e.status === 401);
  });

  it('refuses the tokens of a disabled user at once, accepts them again when re-enabled, and follows the admin flag', async () => {
    const t = await token(k2, { jti: 'disable-me' }, { sub: 'svc-disable' });
    await chat(t);
    const user = ((await admin('/admin/users')).json.data as { id: string; external_subject: string }[]).find((u) => u.external_subject === 'svc-disable');
    assert.ok(user);
    const bad = await admin(`/admin/users/${user.id}`, 'PATCH', { disabled: 'yes' });
    assert.equal(bad.status, 400);
    assert.equal((bad.json.error as { param?: string } | undefined)?.param, 'disabled');
    assert.equal((await admin(`/admin/users/${user.id}`, 'PATCH', { source: 'oidc' })).status, 400, 'the source is not for an admin to change');
    assert.equal((await admin(`/admin/users/${user.id}`, 'PATCH', { disabled: true })).status, 200);
    await assert.rejects(chat(t), (e: unknown) => e instanceof OpenAI.APIError && e.status === 401);
    assert.equal((await admin(`/admin/users/${user.id}`, 'PATCH', { disabled: false })).status, 200);
    assert.ok((await chat(t)).choices[0]);
    // An admin flag set by an admin reaches the already verified token at once, and its removal too.
    const asToken = async () => (await requestJson(`${gateway.url}/admin/users`, 'GET', undefined, { authorization: `Bearer ${t}` })).status;
    assert.equal(await asToken(), 403);
    assert.equal((await admin(`/admin/users/${user.id}`, 'PATCH', { admin: true })).status, 200);
    assert.equal(await asToken(), 200);
    assert.equal((await admin(`/admin/users/${user.id}`, 'PATCH', { admin: false })).status, 200);
    assert.equal(await asToken(), 403);
  });
});
