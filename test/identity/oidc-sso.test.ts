/// <reference lib="dom" />
// Single sign-on end to end: a real OpenID provider (oidc-provider), two gateway processes on one
// PostgreSQL (sessions and users in the store, key changes over Redis), Chromium clicking "Sign in with
// Test IdP". Users and teams are created from the claims at first sign-in, the admin group gives admin
// rights and taking someone out of it removes them at the next sign-in; a disabled user loses their
// session and their keys' access on both instances; a callback with a wrong state signs nobody in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import OpenAI from 'openai';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startSimFleet, type SimFleet } from '../../src/sim/index.js';
import { ensureConsoleBuilt, SCREENSHOTS } from '../console/harness.js';
import { freePort } from '../support/free-port.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { requestJson } from '../support/http-json.js';
import { dropSchema, POSTGRES_URL, REDIS_URL, uniqueName } from '../store/services.js';
import { startProvider, type TestProvider } from './oidc-provider.js';

const MODEL = 'sim-chat';

interface UserJson {
  id: string;
  name: string;
  email: string | null;
  team_id: string | null;
  admin: boolean;
  disabled: boolean;
  source: string;
  external_issuer: string | null;
  external_subject: string | null;
}

/** Resolves when `check` holds, polling; fails after `ms` with the last value seen. */
async function eventually<T>(what: string, get: () => Promise<T>, check: (v: T) => boolean, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  let last: T = await get();
  while (!check(last)) {
    if (Date.now() > until) assert.fail(`${what}: still ${JSON.stringify(last)} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
    last = await get();
  }
  return last;
}

describe('single sign-on (OIDC) with two gateway instances on PostgreSQL', { timeout: 240_000 }, () => {
  let provider: TestProvider;
  let fleet: SimFleet;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let browser: Browser;
  const schema = uniqueName('relais_sso');
  const masterKey = `master-${uniqueName('k')}`;

  const admin = (g: GatewayProcess, path: string, method = 'GET', body?: unknown) => requestJson(`${g.url}${path}`, method, body, { authorization: `Bearer ${masterKey}` });
  const users = async (): Promise<UserJson[]> => (await admin(a, '/admin/users')).json.data as UserJson[];
  const teamName = async (id: string | null): Promise<string | null> => {
    if (id === null) return null;
    const t = await admin(a, `/admin/teams/${id}`);
    return String(t.json.name);
  };

  /** The whole browser sign-in: the console's button, the provider's login form, back to the console. */
  async function signIn(login: string, gateway = a): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    await page.goto(`${gateway.url}/ui/`);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    // The provider's own page (another origin): any password works for its development login.
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any-password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.waitForURL(`${a.url}/ui/**`);
    return { context, page };
  }

  async function sessionOf(page: Page, url = a.url): Promise<{ status: number; body: Record<string, unknown> }> {
    const r = await page.request.get(`${url}/ui/session`);
    return { status: r.status(), body: (await r.json()) as Record<string, unknown> };
  }

  before(async () => {
    ensureConsoleBuilt();
    const port = await freePort();
    provider = await startProvider([`http://127.0.0.1:${port}/auth/oidc/callback`]);
    provider.accounts.set('ada', { email: 'ada@example.org', name: 'Ada Lovelace', groups: ['relais-admins', 'physics'] });
    provider.accounts.set('bob', { email: 'bob@example.org', name: 'Bob', groups: ['chemistry'] });
    fleet = await startSimFleet({ replicas: 1, gpu: 'a100-80g', model: 'llama-3.1-8b', servedModelName: 'sim-llama', outputLen: 'fixed:8', seed: 3 });
    const yaml = `
master_key: ${masterKey}
log_level: warn
access: { refresh_ms: 5000 }
store: { kind: postgres, url: '${POSTGRES_URL}', schema: ${schema} }
redis: { url: '${REDIS_URL}', prefix: ${uniqueName('relais_sso')} }
backends:
  sim0: { kind: vllm, url: ${fleet.urls[0]} }
models:
  - name: ${MODEL}
    deployments: [ { backend: sim0, model: sim-llama } ]
auth:
  oidc:
    issuer: ${provider.issuer}
    client_id: ${provider.clientId}
    client_secret: ${provider.clientSecret}
    redirect_base_url: http://127.0.0.1:${port}
    display_name: Test IdP
    admin_groups: [relais-admins]
    group_teams: { physics: Physics, chemistry: Chemistry }
`;
    // Instance A answers the provider's redirects; B shares the store (as behind a load balancer).
    a = await startGateway(yaml, { args: ['--listen', `127.0.0.1:${port}`], timeoutMs: 60_000 });
    b = await startGateway(yaml, { timeoutMs: 60_000 });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await Promise.all([a?.stop(), b?.stop()]);
    await fleet?.close();
    await provider?.close();
    await dropSchema(schema);
  });

  it('tells the console, without a session, that single sign-on is configured', async () => {
    const r = await requestJson(`${a.url}/ui/session/methods`, 'GET');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.methods, [{ id: 'key', label: 'Relais key' }, { id: 'oidc', label: 'Test IdP', start_url: '/auth/oidc/login' }]);
  });

  it('signs in through Chromium, creates the user and team from the claims, and the other instance accepts the session', async () => {
    const { context, page } = await signIn('ada');
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await page.getByText('Ada Lovelace').first().waitFor();
    await page.getByText('admin', { exact: true }).first().waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'sso-signed-in.png'), fullPage: true });
    const cookie = (await context.cookies(a.url)).find((c) => c.name === 'relais_session');
    assert.ok(cookie?.httpOnly, 'the session is an httpOnly cookie');
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal((await context.cookies(a.url)).find((c) => c.name === 'relais_oidc'), undefined, 'the sign-in cookie is gone');

    const ada = (await users()).find((u) => u.external_subject === 'ada');
    assert.ok(ada, 'the user was created at first sign-in');
    assert.equal(ada.source, 'oidc');
    assert.equal(ada.external_issuer, provider.issuer);
    assert.equal(ada.name, 'Ada Lovelace');
    assert.equal(ada.email, 'ada@example.org');
    assert.equal(ada.admin, true, 'relais-admins makes an admin');
    assert.equal(await teamName(ada.team_id), 'Physics', 'the team was created from the group');

    const s = await sessionOf(page);
    assert.equal(s.status, 200);
    assert.equal(s.body.method, 'oidc');
    assert.deepEqual(s.body.principal, { kind: 'user', admin: true, key_id: null, key_name: null, user_id: ada.id, user_name: 'Ada Lovelace', team_id: ada.team_id });

    // The other instance (same host: the browser sends it the same cookie) knows the session from the store.
    await page.goto(`${b.url}/ui/`);
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    const onB = await sessionOf(page, b.url);
    assert.equal((onB.body.principal as { user_id: string }).user_id, ada.id);
    // Admin API through the session on B (an admin page's own call), and the Users page showing how she signs in.
    const list = await page.request.get(`${b.url}/admin/users`);
    assert.equal(list.status(), 200);
    await page.getByRole('navigation').getByRole('link', { name: 'Users and teams', exact: true }).click();
    const row = page.getByRole('row').filter({ hasText: 'Ada Lovelace' });
    await row.getByText('single sign-on').waitFor();
    await row.getByText('admin', { exact: true }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'sso-users.png'), fullPage: true });
    await context.close();
  });

  it('a second sign-in finds the same user; leaving the admin group removes admin, changing groups changes the team', async () => {
    const { context: first, page: firstPage } = await signIn('ada');
    const before = (await users()).filter((u) => u.external_subject === 'ada');
    assert.equal(before.length, 1, 'one user per identity, however often it signs in');
    assert.equal(((await sessionOf(firstPage)).body.principal as { admin: boolean }).admin, true);

    provider.accounts.set('ada', { email: 'ada@physics.example.org', name: 'Ada King', groups: ['chemistry'] });
    const { context, page } = await signIn('ada');
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    const ada = (await users()).find((u) => u.external_subject === 'ada');
    assert.equal(ada?.admin, false, 'out of relais-admins: no longer an admin');
    assert.equal(ada?.name, 'Ada King');
    assert.equal(ada?.email, 'ada@physics.example.org');
    assert.equal(await teamName(ada?.team_id ?? null), 'Chemistry');
    assert.equal(await page.getByRole('link', { name: 'Keys', exact: true }).count(), 0, 'admin pages are gone');
    const s = await sessionOf(page);
    assert.equal((s.body.principal as { admin: boolean }).admin, false);
    // Her older session (signed in as an admin) follows the user's current state, on both instances.
    const r = await firstPage.request.get(`${a.url}/admin/users`);
    assert.equal(r.status(), 403);
    await eventually('the older session on B', async () => (await firstPage.request.get(`${b.url}/admin/users`)).status(), (st) => st === 403);
    // Teams of users who sign in for the first time are created once.
    await (await signIn('bob')).context.close();
    const teams = (await admin(a, '/admin/teams')).json.data as { name: string }[];
    assert.equal(teams.filter((t) => t.name === 'Chemistry').length, 1);
    await first.close();
    await context.close();
  });

  it('disabling a user ends their sessions and their keys at once, on both instances, and refuses their next sign-in', async () => {
    const { context, page } = await signIn('bob');
    const bob = (await users()).find((u) => u.external_subject === 'bob');
    assert.ok(bob);
    const key = await admin(a, '/admin/keys', 'POST', { name: 'bob-laptop', user_id: bob.id });
    assert.equal(key.status, 201);
    const clientB = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: String(key.json.key), maxRetries: 0 });
    const ok = await eventually('the new key on B', async () => clientB.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }).then(() => 'ok', (e: unknown) => String(e)), (v) => v === 'ok');
    assert.equal(ok, 'ok');
    assert.equal((await sessionOf(page, b.url)).status, 200);

    const patched = await admin(a, `/admin/users/${bob.id}`, 'PATCH', { disabled: true });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.disabled, true);
    // On A at once (the admin call reloads before answering); on B as soon as the change message arrives.
    assert.equal((await sessionOf(page, a.url)).status, 401);
    const clientA = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: String(key.json.key), maxRetries: 0 });
    await assert.rejects(clientA.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 401);
    const t0 = Date.now();
    await eventually('the session on B', async () => (await sessionOf(page, b.url)).status, (st) => st === 401, 2_000);
    await eventually(
      'the key on B',
      async () => clientB.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }).then(() => 200, (e: unknown) => (e instanceof OpenAI.APIError ? e.status : 0)),
      (st) => st === 401,
      2_000,
    );
    // Redis carries the change: far below the 5 s store polling configured here.
    assert.ok(Date.now() - t0 < 2_000);
    // The page itself drops to the sign-in form.
    await page.goto(`${a.url}/ui/`);
    await page.getByRole('link', { name: 'Sign in with Test IdP' }).waitFor();

    // Signing in again is refused with the reason on the sign-in page, and no session is opened.
    const again = await browser.newContext();
    const p2 = await again.newPage();
    await p2.goto(`${a.url}/ui/`);
    await p2.getByRole('link', { name: 'Sign in with Test IdP' }).click();
    await p2.locator('input[name=login]').fill('bob');
    await p2.locator('input[name=password]').fill('any');
    await p2.getByRole('button', { name: 'Sign-in' }).click();
    await p2.getByText('Sign-in failed: Your user has been disabled by an administrator.').waitFor();
    // The sign-in page with its single sign-on button and the notice passes axe.
    await p2.screenshot({ path: join(SCREENSHOTS, 'sso-refused.png'), fullPage: true });
    const axe = await new AxeBuilder({ page: p2 }).analyze();
    assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), []);
    assert.equal((await again.cookies(a.url)).find((c) => c.name === 'relais_session'), undefined);
    assert.ok(!p2.url().includes('sign_in_error'), 'the message is dropped from the address bar');
    await again.close();
    await context.close();
  });

  it('refuses a callback whose state does not match the browser that started the sign-in', async () => {
    const start = await fetch(`${a.url}/auth/oidc/login?return_to=/ui/keys`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const location = new URL(String(start.headers.get('location')));
    assert.equal(location.origin, provider.issuer);
    assert.equal(location.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(location.searchParams.get('nonce'));
    const flow = String(start.headers.get('set-cookie')).split(';')[0] ?? '';
    assert.match(flow, /^relais_oidc=/);
    for (const [query, cookie] of [
      ['?code=forged&state=not-the-state', flow],
      [`?code=forged&state=${location.searchParams.get('state') ?? ''}`, flow],
      [`?code=forged&state=${location.searchParams.get('state') ?? ''}`, ''],
      ['?error=access_denied&state=x', flow],
      [`?code=${'%00'.repeat(50)}&state=${'A'.repeat(5000)}`, `relais_oidc=${'%%%'.repeat(900)}`],
    ] as const) {
      const r = await fetch(`${a.url}/auth/oidc/callback${query}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      assert.equal(r.status, 302, query);
      assert.match(String(r.headers.get('location')), /^\/ui\/\?sign_in_error=/);
      assert.ok(!String(r.headers.get('set-cookie')).includes('relais_session=') || String(r.headers.get('set-cookie')).includes('relais_session=;'), 'no session');
    }
    // An open redirect is not possible: return_to outside the console goes to /ui/.
    const evil = await fetch(`${a.url}/auth/oidc/login?return_to=https://evil.example/`, { redirect: 'manual' });
    const evilFlow = String(evil.headers.get('set-cookie'));
    const payload = JSON.parse(Buffer.from(evilFlow.split(';')[0]?.split('=')[1] ?? '', 'base64url').toString()) as string[];
    assert.equal(payload[3], '/ui/');
    // The gateway still serves.
    assert.equal((await fetch(`${a.url}/health`)).status, 200);
  });
});
