// Two gateway instances' access stages on one PostgreSQL schema, without Redis and with slow polling: a
// person's session or a machine's token whose user was just created by the other instance is accepted at
// once (the instance loads the new user instead of refusing), and both agree on the one user.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import type { Credentials } from '../../src/access/access.js';
import { createAccess } from '../../src/access/create-access.js';
import type { KeyAccess } from '../../src/access/key-access.js';
import { authSchema } from '../../src/config/auth-schema.js';
import { identityFromClaims } from '../../src/identity/claims.js';
import { syncExternalUser } from '../../src/identity/jit-users.js';
import { JwtAccess } from '../../src/identity/jwt-access.js';
import { JwtVerifier } from '../../src/identity/jwt-verifier.js';
import { SessionAccess } from '../../src/identity/session-access.js';
import { SessionCache } from '../../src/identity/session-cache.js';
import { GatewayError } from '../../src/protocol/errors.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { dropSchema, POSTGRES_URL, uniqueName } from '../store/services.js';

interface Instance {
  store: Store;
  keys: KeyAccess;
  sessions: SessionCache;
  access: JwtAccess;
  session: SessionAccess;
}

async function authenticate(access: JwtAccess, c: Credentials) {
  const p = access.prepare(c);
  if (p) await p;
  return access.authenticate(c);
}

describe('identity across instances (PostgreSQL, no Redis, polling every 10 min)', { timeout: 60_000 }, () => {
  const schema = uniqueName('relais_ident');
  let jwks: Server;
  let privateKey: CryptoKey;
  let a: Instance;
  let b: Instance;
  const cfg = { jwt: [] as ReturnType<typeof authSchema.parse>['jwt'] };

  async function instance(): Promise<Instance> {
    const store = await openStore({ data_dir: '.', store: { kind: 'postgres', url: POSTGRES_URL, schema } });
    const keys = await createAccess({ config: { models: [], master_key: 'mk', access: { refresh_ms: 600_000, open: 'never' } }, store, redis: null });
    const sessions = await SessionCache.create({ store, refreshMs: 600_000, ttlMs: 3_600_000 });
    const session = new SessionAccess(keys, sessions);
    const access = new JwtAccess({ inner: session, keys, verifier: new JwtVerifier(cfg.jwt), store });
    return { store, keys, sessions, access, session };
  }

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'e1', alg: 'ES256' };
    jwks = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    cfg.jwt = authSchema.parse({
      jwt: [{ name: 'm', issuer: 'https://iss.example', jwks_url: `http://127.0.0.1:${(jwks.address() as { port: number }).port}/`, audience: 'relais', claims: { team: 'team' } }],
    }).jwt;
    a = await instance();
    b = await instance();
  });

  after(async () => {
    for (const i of [a, b]) {
      await i?.access.close();
      await i?.store.close();
    }
    await new Promise<void>((r) => jwks.close(() => r()));
    await dropSchema(schema);
  });

  it('a token first seen on A is accepted on B at once, as the same user', async () => {
    const token = await new SignJWT({ team: 'Robots' }).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).setIssuer('https://iss.example').setAudience('relais').setSubject('svc-1').setExpirationTime('5m').sign(privateKey);
    const onA = await authenticate(a.access, { authorization: `Bearer ${token}` });
    const onB = await authenticate(b.access, { authorization: `Bearer ${token}` });
    assert.equal(onA.kind, 'user');
    assert.ok(onA.userId);
    assert.equal(onB.userId, onA.userId);
    assert.equal(onB.teamId, onA.teamId);
    assert.equal((await a.store.listUsers()).filter((u) => u.externalSubject === 'svc-1').length, 1);
    // Both instances at once, for a subject neither has seen: still one user (the unique identity wins).
    const t2 = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).setIssuer('https://iss.example').setAudience('relais').setSubject('svc-2').setExpirationTime('5m').sign(privateKey);
    const [x, y] = await Promise.all([authenticate(a.access, { authorization: `Bearer ${t2}` }), authenticate(b.access, { authorization: `Bearer ${t2}` })]);
    assert.equal(x.userId, y.userId);
    assert.equal((await a.store.listUsers()).filter((u) => u.externalSubject === 'svc-2').length, 1);
  });

  it('with its store gone, an instance keeps accepting verified tokens and answers 503 (not 500) for new subjects', async () => {
    const c = await instance();
    const sign = (sub: string) => new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'e1' }).setIssuer('https://iss.example').setAudience('relais').setSubject(sub).setExpirationTime('5m').sign(privateKey);
    const known = await sign('svc-known');
    const before = await authenticate(c.access, { authorization: `Bearer ${known}` });
    await c.access.close();
    await c.store.close();
    assert.equal((await authenticate(c.access, { authorization: `Bearer ${known}` })).userId, before.userId);
    await assert.rejects(authenticate(c.access, { authorization: `Bearer ${await sign('svc-new')}` }), (e: unknown) => e instanceof GatewayError && e.status === 503);
  });

  it('a session opened on A for a user A just created is accepted on B at once', async () => {
    const mapping = authSchema.parse({ oidc: { issuer: 'https://sso.example', client_id: 'c', redirect_base_url: 'https://llm.example' } }).oidc;
    assert.ok(mapping);
    const { user } = await syncExternalUser(a.store, identityFromClaims('https://sso.example', { sub: 'ada', name: 'Ada' }, mapping), 'oidc');
    await a.keys.refresh();
    const { token } = await a.sessions.open({ kind: 'user', id: user.id }, 'oidc');
    const credentials: Credentials = { session: { cookie: `relais_session=${token}`, method: 'GET', host: 'llm.example' } };
    const p = await authenticate(b.access, credentials);
    assert.equal(p.kind, 'user');
    assert.equal(p.userId, user.id);
    assert.equal(p.userName, 'Ada');
  });
});
