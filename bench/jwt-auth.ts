// Cost of JWT bearer authentication: a token seen for the first time (signature check against the cached
// JWKS; the first token of a subject also writes its user) and a token already verified (sha256 + map
// look-up, no store round trip). Usage: npm run bench:jwt
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createAccess } from '../src/access/create-access.js';
import { authSchema } from '../src/config/auth-schema.js';
import { JwtAccess } from '../src/identity/jwt-access.js';
import { JwtVerifier } from '../src/identity/jwt-verifier.js';
import { openStore } from '../src/store/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
const store = await openStore({ data_dir: dir });
const models = [{ name: 'm', deployments: [{ backend: 'a', model: 'x' }], fallbacks: [], price: { input: 1, output: 2 } }];
const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' };
const jwks = createServer((_req, res) => res.end(JSON.stringify({ keys: [jwk] })));
await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
const port = (jwks.address() as { port: number }).port;
const cfg = authSchema.parse({ jwt: [{ name: 'bench', issuer: 'https://iss.example', jwks_url: `http://127.0.0.1:${port}/`, audience: 'relais' }] });
const keys = await createAccess({ config: { models, master_key: 'mk' }, store, redis: null });
const access = new JwtAccess({ inner: keys, keys, verifier: new JwtVerifier(cfg.jwt), store });
const sign = (sub: string, jti: string) =>
  new SignJWT({ jti }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer('https://iss.example').setAudience('relais').setSubject(sub).setExpirationTime('10m').sign(privateKey);

async function authenticate(token: string): Promise<void> {
  const c = { authorization: `Bearer ${token}` };
  const p = access.prepare(c);
  if (p) await p;
  access.authenticate(c);
}

const subjects = 200;
let t = performance.now();
for (let i = 0; i < subjects; i++) await authenticate(await sign(`svc-${i}`, 'a'));
const firstSubjectMs = (performance.now() - t) / subjects;
const fresh = await Promise.all(Array.from({ length: 2_000 }, (_, i) => sign(`svc-${i % subjects}`, `b${i}`)));
t = performance.now();
for (const token of fresh) await authenticate(token);
const newTokenUs = ((performance.now() - t) * 1000) / fresh.length;
const cached = fresh[0] ?? '';
const n = 200_000;
t = performance.now();
for (let i = 0; i < n; i++) await authenticate(cached);
const cachedUs = ((performance.now() - t) * 1000) / n;
console.log(`JWT bearer (RS256, SQLite store): first token of a new subject ${firstSubjectMs.toFixed(2)} ms (verify + user written), new token of a known subject ${newTokenUs.toFixed(1)} µs (verify), cached token ${cachedUs.toFixed(2)} µs (sha256 + map)`);
await access.close();
jwks.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
