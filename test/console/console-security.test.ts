// The console's security over plain HTTP against a real gateway process: cookie flags, CSRF and
// cross-site refusals, a user key kept out of every admin endpoint, sign-out, static files and headers,
// and (PostgreSQL) a session shared by two gateway instances.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { createKey } from '../support/admin-keys.js';
import { MODEL, startConsoleEnv, type ConsoleEnv } from './harness.js';

interface Session {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
}

async function signIn(url: string, key: string, headers: Record<string, string> = {}): Promise<Session> {
  const r = await fetch(`${url}/ui/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url, 'sec-fetch-site': 'same-origin', ...headers },
    body: JSON.stringify({ key }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  const setCookie = r.headers.get('set-cookie') ?? '';
  const body = (await r.json()) as { csrf_token: string };
  return { cookie: setCookie.split(';')[0] as string, csrf: body.csrf_token, setCookie };
}

function asSession(s: Session, url: string, method = 'GET', extra: Record<string, string> = {}): Record<string, string> {
  return { cookie: s.cookie, origin: url, 'sec-fetch-site': 'same-origin', ...(method === 'GET' ? {} : { 'x-relais-csrf': s.csrf }), ...extra };
}

describe('console security (SQLite)', { timeout: 120_000 }, () => {
  let env: ConsoleEnv;
  let admin: Session;
  let user: Session;
  let userKey: { id: string; key: string };
  let otherKey: { id: string; key: string };
  before(async () => {
    env = await startConsoleEnv('sqlite');
    userKey = await createKey(env.url, env.masterKey, { name: 'user', budget: 5 });
    otherKey = await createKey(env.url, env.masterKey, { name: 'other' });
    admin = await signIn(env.url, env.masterKey);
    user = await signIn(env.url, userKey.key);
  });
  after(async () => {
    await env?.close();
  });

  it('sets an httpOnly, SameSite=Strict session cookie (Secure behind HTTPS) and never echoes the key', async () => {
    assert.match(user.setCookie, /^relais_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    const tls = await signIn(env.url, userKey.key, { 'x-forwarded-proto': 'https' });
    assert.match(tls.setCookie, /; Secure$/);
    const r = await fetch(`${env.url}/ui/session`, { headers: asSession(user, env.url) });
    const body = (await r.json()) as Record<string, unknown>;
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal((body.principal as { key_id: string }).key_id, userKey.id);
    assert.ok(!JSON.stringify(body).includes(userKey.key));
  });

  it('refuses sign-in from another site and with a bad key', async () => {
    const cross = await fetch(`${env.url}/ui/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body: JSON.stringify({ key: userKey.key }) });
    assert.equal(cross.status, 403);
    const evil = await fetch(`${env.url}/ui/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ key: userKey.key }) });
    assert.equal(evil.status, 403);
    assert.equal(cross.headers.get('set-cookie'), null);
    const bad = await fetch(`${env.url}/ui/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: env.url }, body: JSON.stringify({ key: 'rl-nope' }) });
    assert.equal(bad.status, 401);
    const shape = await fetch(`${env.url}/ui/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: env.url }, body: JSON.stringify({ key: 'x', extra: 1 }) });
    assert.equal(shape.status, 400);
  });

  it('authenticates API calls with the session; mutations need the CSRF token and the same origin', async () => {
    const own = await fetch(`${env.url}/v1/key`, { headers: asSession(user, env.url) });
    assert.equal(own.status, 200);
    const chat = (extra: Record<string, string>, csrf = true): Promise<Response> =>
      fetch(`${env.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...asSession(user, env.url, csrf ? 'POST' : 'GET'), ...extra },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
      });
    assert.equal((await chat({})).status, 200);
    const noToken = await chat({}, false);
    assert.equal(noToken.status, 403);
    assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'csrf_token_invalid');
    assert.equal((await chat({ 'x-relais-csrf': admin.csrf })).status, 403, "another session's token");
    assert.equal((await chat({ 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await chat({ 'sec-fetch-site': 'same-site' })).status, 403);
    assert.equal((await chat({ origin: 'http://evil.example' })).status, 403);
    // An admin mutation from another site fails the same way, even with the right token.
    const crossAdmin = await fetch(`${env.url}/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asSession(admin, env.url, 'POST', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }) },
      body: JSON.stringify({ name: 'evil' }),
    });
    assert.equal(crossAdmin.status, 403);
    assert.ok(!(((await (await fetch(`${env.url}/admin/keys`, { headers: { authorization: `Bearer ${env.masterKey}` } })).json()) as { data: { name: string }[] }).data.some((k) => k.name === 'evil')));
  });

  it('keeps a user key out of every admin endpoint, by session and by bearer', async () => {
    const endpoints: [string, string, unknown?][] = [
      ['GET', '/admin/keys'], ['POST', '/admin/keys', { name: 'x' }], ['GET', `/admin/keys/${otherKey.id}`],
      ['PATCH', `/admin/keys/${otherKey.id}`, { budget: 1 }], ['DELETE', `/admin/keys/${otherKey.id}`],
      ['GET', '/admin/users'], ['POST', '/admin/users', { name: 'x' }], ['GET', '/admin/users/u1'], ['PATCH', '/admin/users/u1', { name: 'y' }], ['DELETE', '/admin/users/u1'],
      ['GET', '/admin/teams'], ['POST', '/admin/teams', { name: 'x' }], ['GET', '/admin/teams/t1'], ['PATCH', '/admin/teams/t1', { name: 'y' }], ['DELETE', '/admin/teams/t1'],
      ['GET', '/admin/usage'], ['GET', '/admin/audit'], ['GET', '/admin/activity'], ['GET', '/admin/spend'], ['GET', '/admin/router'],
      ['GET', '/admin/logs'], ['GET', '/admin/plan'], ['POST', '/admin/plan', { model: 'llama-3.1-8b' }],
    ];
    for (const [method, path, body] of endpoints) {
      for (const how of ['session', 'bearer'] as const) {
        const headers = how === 'session' ? asSession(user, env.url, method) : { authorization: `Bearer ${userKey.key}` };
        const r = await fetch(`${env.url}${path}`, { method, headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
        assert.equal(r.status, 403, `${how} ${method} ${path}`);
        assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'admin_required');
      }
    }
    const other = await fetch(`${env.url}/admin/keys/${otherKey.id}`, { headers: { authorization: `Bearer ${env.masterKey}` } });
    assert.equal(((await other.json()) as { revoked_at: string | null }).revoked_at, null, 'nothing changed');
    // The key-scoped activity answers for the caller's own key only, whatever key the query names.
    await fetch(`${env.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${otherKey.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
    });
    const mine = (await (await fetch(`${env.url}/v1/key/activity?key=${otherKey.id}`, { headers: asSession(user, env.url) })).json()) as { totals: { requests: number }; top: { keys: unknown[] } };
    const all = (await (await fetch(`${env.url}/admin/activity`, { headers: { authorization: `Bearer ${env.masterKey}` } })).json()) as { totals: { requests: number }; top: { keys: { group: string; requests: number }[] } };
    const userRequests = all.top.keys.find((k) => k.group === userKey.id)?.requests ?? 0;
    assert.equal(mine.totals.requests, userRequests);
    assert.ok(all.totals.requests > mine.totals.requests);
    assert.deepEqual(mine.top.keys, []);
    // The models a key may use come with their prices.
    const models = (await (await fetch(`${env.url}/v1/key/models`, { headers: asSession(user, env.url) })).json()) as { data: { id: string; price: unknown }[] };
    assert.deepEqual(models.data.map((m) => [m.id, m.price]), [[MODEL, { input: 100, output: 200 }]]);
  });

  it('signs out: the cookie is cleared and the session no longer works', async () => {
    const s = await signIn(env.url, userKey.key);
    const noCsrf = await fetch(`${env.url}/ui/session`, { method: 'DELETE', headers: asSession(s, env.url) });
    assert.equal(noCsrf.status, 403);
    const out = await fetch(`${env.url}/ui/session`, { method: 'DELETE', headers: asSession(s, env.url, 'DELETE') });
    assert.equal(out.status, 204);
    assert.match(out.headers.get('set-cookie') ?? '', /^relais_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
    assert.equal((await fetch(`${env.url}/v1/key`, { headers: asSession(s, env.url) })).status, 401);
    const again = (await (await fetch(`${env.url}/ui/session`, { headers: asSession(s, env.url) })).json()) as { signed_in: boolean };
    assert.equal(again.signed_in, false);
    // An API key in the same request still works: scripts never depend on cookies.
    assert.equal((await fetch(`${env.url}/v1/key`, { headers: { ...asSession(s, env.url), authorization: `Bearer ${userKey.key}` } })).status, 200);
  });

  it('serves the built app with a strict CSP, the right types and caching', async () => {
    const index = await fetch(`${env.url}/ui/`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const csp = index.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(index.headers.get('x-frame-options'), 'DENY');
    const html = await index.text();
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(html, /https?:\/\//, 'nothing from elsewhere');
    const script = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script);
    const js = await fetch(`${env.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const raw = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      // fetch decodes gzip itself: read the bytes with node:http to see what was sent.
      import('node:http').then(({ get }) => {
        get(`${env.url}${script}`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
        }).on('error', reject);
      }, reject);
    });
    assert.equal(raw.encoding, 'gzip');
    assert.ok(gunzipSync(raw.body).toString('utf8').length > raw.body.length);
    const etag = js.headers.get('etag') ?? '';
    assert.equal((await fetch(`${env.url}${script}`, { headers: { 'if-none-match': etag } })).status, 304);
    const route = await fetch(`${env.url}/ui/keys?x=1`);
    assert.equal(route.status, 200);
    assert.equal(await route.text(), html, 'app routes get index.html');
    assert.equal((await fetch(`${env.url}/ui/assets/missing.js`)).status, 404);
    assert.equal((await fetch(`${env.url}/ui/%2e%2e/package.json`)).status, 404);
    assert.equal((await fetch(`${env.url}/ui/`, { method: 'POST' })).status, 405);
    const bare = await fetch(`${env.url}/ui`, { redirect: 'manual' });
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get('location'), '/ui/');
  });
});

describe('console sessions across gateway instances (PostgreSQL)', { timeout: 120_000 }, () => {
  let env: ConsoleEnv;
  before(async () => {
    env = await startConsoleEnv('postgres');
  });
  after(async () => {
    await env?.close();
  });

  it('a session made on one instance works on another at once; sign-out and revocation reach it', async () => {
    const b = await env.another();
    const key = await createKey(env.url, env.masterKey, { name: 'shared' });
    const until = async (check: () => Promise<boolean>): Promise<void> => {
      const deadline = Date.now() + 5_000;
      while (!(await check())) {
        assert.ok(Date.now() < deadline, 'within the refresh interval');
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    // A new key reaches the other instance within access.refresh_ms, as any key change does.
    await until(async () => (await fetch(`${b.url}/v1/key`, { headers: { authorization: `Bearer ${key.key}` } })).status === 200);
    const s = await signIn(env.url, key.key);
    const onB = await fetch(`${b.url}/v1/key`, { headers: asSession(s, b.url) });
    assert.equal(onB.status, 200, 'fetched from the store on first sight');
    // Sign-out on A ends it on B within access.refresh_ms.
    assert.equal((await fetch(`${env.url}/ui/session`, { method: 'DELETE', headers: asSession(s, env.url, 'DELETE') })).status, 204);
    await until(async () => (await fetch(`${b.url}/v1/key`, { headers: asSession(s, b.url) })).status === 401);
    // Revoking the key on A ends its sessions on B too.
    const s2 = await signIn(b.url, key.key);
    assert.equal((await fetch(`${env.url}/v1/key`, { headers: asSession(s2, env.url) })).status, 200);
    assert.equal((await fetch(`${env.url}/admin/keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.masterKey}` } })).status, 200);
    assert.equal((await fetch(`${env.url}/v1/key`, { headers: asSession(s2, env.url) })).status, 401, 'at once on the instance that revoked');
    await until(async () => (await fetch(`${b.url}/v1/key`, { headers: asSession(s2, b.url) })).status === 401);
  });
});
