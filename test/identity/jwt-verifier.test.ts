// The JWT verifier and the claim mapping on their own: each refusal for its own reason (the end-to-end
// test checks statuses; this one checks that `alg: none` fails as an algorithm, a changed payload as a
// signature, and so on), the config refusing HS* and none, and hostile claim values.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { authSchema } from '../../src/config/auth-schema.js';
import { identityFromClaims } from '../../src/identity/claims.js';
import { JwtVerifier, looksLikeJwt } from '../../src/identity/jwt-verifier.js';
import { GatewayError } from '../../src/protocol/errors.js';

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('JwtVerifier', () => {
  let server: Server;
  let privateKey: CryptoKey;
  let spki: string;
  let verifier: JwtVerifier;
  let status = 200;

  const sign = (claims: Record<string, unknown> = {}, aud = 'aud', exp: number | string = '5m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://iss.example').setAudience(aud).setSubject('s').setExpirationTime(exp).sign(privateKey);

  async function refusal(token: string): Promise<GatewayError> {
    try {
      await verifier.verify(token);
    } catch (err) {
      assert.ok(err instanceof GatewayError);
      return err;
    }
    assert.fail('the token was accepted');
  }

  before(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    spki = await exportSPKI(pair.publicKey);
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? JSON.stringify({ keys: [jwk] }) : 'down');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const cfg = authSchema.parse({ jwt: [{ name: 'x', issuer: 'https://iss.example', jwks_url: `http://127.0.0.1:${port}/`, audience: ['aud', 'aud2'], clock_skew_s: 10 }] });
    verifier = new JwtVerifier(cfg.jwt);
  });

  after(() => new Promise<void>((r) => server.close(() => r())));

  it('accepts a valid token (any of the audiences) and refuses each bad one for its own reason', async () => {
    assert.equal((await verifier.verify(await sign())).payload.sub, 's');
    assert.equal((await verifier.verify(await sign({}, 'aud2'))).payload.sub, 's');
    // Within the clock skew an expired token still passes; beyond it, not.
    assert.ok(await verifier.verify(await sign({}, 'aud', Math.floor(Date.now() / 1000) - 3)));
    const good = await sign();
    const [, payload, sig] = good.split('.') as [string, string, string];
    const hsHead = b64({ alg: 'HS256', kid: 'k1' });
    const cases: [string, string, RegExp][] = [
      ['expired', await sign({}, 'aud', Math.floor(Date.now() / 1000) - 60), /expired/],
      ['wrong audience', await sign({}, 'other'), /aud/],
      ['alg none', `${b64({ alg: 'none' })}.${payload}.`, /algorithm is not allowed/],
      ['HS256 with the public key', `${hsHead}.${payload}.${createHmac('sha256', spki).update(`${hsHead}.${payload}`).digest('base64url')}`, /algorithm is not allowed/],
      ['changed payload', `${good.split('.')[0] ?? ''}.${b64({ iss: 'https://iss.example', aud: 'aud', sub: 'root', exp: 9e9 })}.${sig}`, /signature is not valid/],
      ['unknown kid', `${b64({ alg: 'RS256', kid: 'k9' })}.${payload}.${sig}`, /No key of the issuer/],
      ['unknown issuer', `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'https://evil.example', aud: 'aud', exp: 9e9 })}.${sig}`, /not accepted here/],
      ['not JSON', 'eyJub3Q.eyJub3Q.x', /not a readable JWT/],
    ];
    for (const [what, token, message] of cases) {
      const err = await refusal(token);
      assert.equal(err.status, 401, what);
      assert.match(err.message, message, what);
    }
  });

  it('answers 503 (not 401, never 500) when the issuer\'s key set cannot be fetched', async () => {
    status = 500;
    const cfg = authSchema.parse({ jwt: [{ name: 'y', issuer: 'https://iss.example', jwks_url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, audience: 'aud' }] });
    const fresh = new JwtVerifier(cfg.jwt);
    try {
      await fresh.verify(await sign());
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.status, 503);
    } finally {
      status = 200;
    }
  });

  it('tells JWTs from Relais keys', () => {
    assert.equal(looksLikeJwt('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzIn0.sig'), true);
    assert.equal(looksLikeJwt('rk-0123456789abcdef'), false);
    assert.equal(looksLikeJwt('eyJ.a.b.c'), false);
  });
});

describe('auth config', () => {
  it('refuses HS*, none and unknown algorithms, and duplicate issuer names', () => {
    const base = { name: 'x', issuer: 'i', jwks_url: 'https://x.example/jwks', audience: 'a' };
    for (const alg of ['HS256', 'none', 'RS1']) {
      const r = authSchema.safeParse({ jwt: [{ ...base, algorithms: [alg] }] });
      assert.equal(r.success, false, alg);
      assert.match(JSON.stringify(r.error?.issues), /only asymmetric algorithms/);
    }
    assert.equal(authSchema.safeParse({ jwt: [base, base] }).success, false);
    assert.equal(authSchema.safeParse({ oidc: { issuer: 'https://sso.example', client_id: 'c', redirect_base_url: 'https://llm.example', scopes: ['profile'] } }).success, false, 'openid scope required');
    assert.equal(authSchema.safeParse({ oidc: { issuer: 'javascript:alert(1)', client_id: 'c', redirect_base_url: 'https://llm.example' } }).success, false);
  });
});

describe('identityFromClaims', () => {
  const mapping = authSchema.parse({
    oidc: { issuer: 'https://sso.example', client_id: 'c', redirect_base_url: 'https://llm.example', admin_groups: ['admins'], group_teams: { physics: 'Physics', chem: 'Chemistry' } },
  }).oidc!;

  it('maps subject, name, email, admin group and the first mapped group to a team', () => {
    const id = identityFromClaims('https://sso.example', { sub: 'u1', name: 'Ada', email: 'ada@example.org', groups: ['chem', 'admins', 'physics'] }, mapping);
    assert.deepEqual(
      { subject: id.subject, name: id.name, email: id.email, admin: id.admin, team: id.teamName },
      { subject: 'u1', name: 'Ada', email: 'ada@example.org', admin: true, team: 'Physics' },
    );
    const none = identityFromClaims('https://sso.example', { sub: 'u2', groups: 'other' }, mapping);
    assert.equal(none.admin, false);
    assert.equal(none.teamName, null, 'a team mapping that matches nothing removes the team');
    assert.equal(none.name, 'u2');
  });

  it('drops hostile values instead of storing them', () => {
    const id = identityFromClaims('https://sso.example', { sub: 'u3', name: 'A\u0000B', email: 'not an email', groups: [{ a: 1 }, 'x'.repeat(10_000), 'admins'] }, mapping);
    assert.equal(id.name, 'u3');
    assert.equal(id.email, null);
    assert.deepEqual(id.groups, ['admins']);
    assert.throws(() => identityFromClaims('https://sso.example', { sub: { nested: true } }, mapping), (e: unknown) => e instanceof GatewayError && e.status === 401);
    assert.throws(() => identityFromClaims('https://sso.example', {}, mapping), (e: unknown) => e instanceof GatewayError && e.status === 401);
  });
});
