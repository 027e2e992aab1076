/// <reference lib="dom" />
// The console's "My keys" in Chromium: a team member signed in with their key sees the team's key
// policy and budget, creates a key (the secret shown once), is refused beyond the policy, and revokes it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { requestJson } from '../support/http-json.js';
import { SCREENSHOTS, startConsoleEnv, type ConsoleEnv } from './harness.js';

describe('console: my keys', { timeout: 180_000 }, () => {
  let env: ConsoleEnv;
  before(async () => {
    env = await startConsoleEnv('sqlite');
  });
  after(async () => {
    await env?.close();
  });

  it('lists, creates and revokes the user’s own keys within the team policy', async () => {
    const admin = (method: string, path: string, body?: unknown) => requestJson(`${env.url}${path}`, method, body, { authorization: `Bearer ${env.masterKey}` });
    const team = (await admin('POST', '/admin/teams', { name: 'Lab <b>', budget: 50, key_policy: { max_budget: 5, max_keys_per_user: 2 } })).json;
    const user = (await admin('POST', '/admin/users', { name: 'ada', team_id: team.id })).json;
    const created = await admin('POST', '/admin/keys', { name: 'ada-main', user_id: user.id });
    assert.equal(created.status, 201, created.text);

    const { page } = await env.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${env.url}/ui/`);
    await page.getByLabel('Relais key').fill(created.json.key as string);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'My activity' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'My key', exact: true }).click();
    await page.getByRole('heading', { level: 2, name: 'My keys' }).waitFor();
    // The team's budget is the only one: it is the tightest.
    assert.match((await page.getByTestId('tightest-budget').textContent()) ?? '', /your team's: 50(\.0+)? credits left/);
    assert.match((await page.getByTestId('key-policy').textContent()) ?? '', /Team Lab <b>: keys for all models, budget up to 5, at most 2 active/);
    assert.equal(await page.getByTestId('own-key').count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Revoke ada-main' }).count(), 0, 'the key signed in with is not offered for revocation');

    await page.getByLabel('New key name').fill('laptop');
    await page.getByLabel('Budget (optional)').fill('4');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = ((await page.getByTestId('own-secret').textContent()) ?? '').trim();
    assert.match(secret, /^rl-/);
    await page.getByTestId('own-key').nth(1).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'sqlite-my-keys.png'), fullPage: true });
    const axe = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), []);
    // The new key works.
    assert.equal((await requestJson(`${env.url}/v1/key`, 'GET', undefined, { authorization: `Bearer ${secret}` })).status, 200);

    // Beyond the policy: the API's message is shown.
    await page.getByLabel('New key name').fill('big');
    await page.getByLabel('Budget (optional)').fill('9');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByRole('alert').filter({ hasText: 'at most 5 credits' }).waitFor();

    await page.getByRole('button', { name: 'Revoke laptop' }).click();
    await page.locator('[data-testid=own-key]', { hasText: 'laptop' }).filter({ hasText: 'revoked' }).waitFor();
    assert.equal((await requestJson(`${env.url}/v1/key`, 'GET', undefined, { authorization: `Bearer ${secret}` })).status, 401);
    assert.deepEqual(errors, []);
  });

  it('shows no "My keys" for a key of no user', async () => {
    const lone = await requestJson(`${env.url}/admin/keys`, 'POST', { name: 'lone' }, { authorization: `Bearer ${env.masterKey}` });
    const { page } = await env.newPage();
    await page.goto(`${env.url}/ui/`);
    await page.getByLabel('Relais key').fill(lone.json.key as string);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'My activity' }).waitFor();
    // The page asks /v1/me (403 no_user) and then shows nothing more.
    const me = page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/me');
    await page.getByRole('navigation').getByRole('link', { name: 'My key', exact: true }).click();
    assert.equal((await me).status(), 403);
    await page.getByText('Budget this period').waitFor();
    await page.waitForTimeout(200);
    assert.equal(await page.getByRole('heading', { name: 'My keys' }).count(), 0);
    assert.equal(await page.getByRole('alert').count(), 0);
  });
});
