/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The console in Chromium against a real gateway process (SQLite, then PostgreSQL): an admin signs in and
// creates a key with a budget; its holder signs in, chats in the playground (tokens stream in, Stop aborts
// the engine's generation), the request shows in Activity with its cost; the admin revokes the key and the
// holder's next action is refused. Every page is screenshotted (test-results/console/) and checked with axe;
// actions are done with the keyboard; names and prompts with HTML in them are shown as text.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Locator, Page } from 'playwright-core';
import { runBench } from '../../src/bench/sweep.js';
import { testStores } from '../store/services.js';
import { MODEL, SCREENSHOTS, startConsoleEnv, type ConsoleEnv } from './harness.js';

const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">`;

/** Keyboard only: focus the control and press Enter. */
async function press(target: Locator): Promise<void> {
  await target.focus();
  await target.page().keyboard.press('Enter');
}

async function checkPage(page: Page, name: string, store: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${store}-${name}.png`), fullPage: true });
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`), [], `axe on ${name}`);
  assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined, `no injected script ran on ${name}`);
}

async function goTo(page: Page, link: string, heading: string): Promise<void> {
  await press(page.getByRole('navigation').getByRole('link', { name: link, exact: true }));
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

function answer(page: Page): Locator {
  return page.getByTestId('answer').last();
}

for (const kind of testStores) {
  describe(`console end to end: ${kind.name}`, { timeout: 240_000 }, () => {
    let env: ConsoleEnv;
    before(async () => {
      env = await startConsoleEnv(kind.name);
    });
    after(async () => {
      await env?.close();
    });

    it('admin creates a key, its holder chats and stops, activity shows the cost, revocation ends the session', async () => {
      const store = kind.name;
      const problems: string[] = [];
      const watch = (page: Page, who: string): void => {
        page.on('pageerror', (e) => problems.push(`${who} pageerror: ${e.message}`));
        page.on('request', (r) => {
          if (!r.url().startsWith(env.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) problems.push(`${who} external request: ${r.url()}`);
        });
      };

      // Admin signs in with the master key (keyboard: type, Enter).
      const { page: admin } = await env.newPage();
      watch(admin, 'admin');
      const first = await admin.goto(`${env.url}/ui/`);
      assert.equal(first?.status(), 200);
      await admin.getByLabel('Relais key').waitFor();
      await checkPage(admin, 'sign-in', store);
      await admin.getByLabel('Relais key').fill(env.masterKey);
      await admin.keyboard.press('Enter');
      await admin.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
      // Tab order starts with the skip link, then the pages.
      await admin.locator('body').focus();
      await admin.keyboard.press('Tab');
      assert.equal(await admin.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await admin.keyboard.press('Tab');
      assert.equal(await admin.evaluate(() => document.activeElement?.textContent), 'Activity');
      // The session is an httpOnly cookie, never readable by the page, and nothing is in storage.
      assert.equal(await admin.evaluate(() => document.cookie), '');
      assert.equal(await admin.evaluate(() => localStorage.length + sessionStorage.length), 0);

      // Create a key with a budget, full logging and a hostile name.
      await goTo(admin, 'Keys', 'Keys');
      await press(admin.getByRole('button', { name: 'Create key' }));
      const create = admin.getByRole('dialog', { name: 'Create key' });
      const keyName = `Ada ${HOSTILE}`;
      await create.locator('input[name=name]').fill(keyName);
      await create.locator('input[name=budget]').fill('10');
      await create.locator('select[name=logging]').selectOption('full');
      await create.locator('input[name=rpm]').fill('100');
      await checkPage(admin, 'keys-create', store);
      await press(create.getByRole('button', { name: 'Create' }));
      const secret = ((await admin.getByTestId('new-secret').textContent()) ?? '').trim();
      assert.match(secret, /^rl-/);
      await checkPage(admin, 'keys-secret', store);
      await press(admin.getByRole('button', { name: 'Done' }));
      const row = admin.locator('tr', { has: admin.locator('.key-name', { hasText: '<script>' }) });
      await row.waitFor();
      assert.equal(await row.locator('.key-name').textContent(), keyName, 'the name is shown as text');
      assert.equal(await admin.locator('td img').count(), 0, 'no element from the name');
      assert.match((await row.textContent()) ?? '', /0 \/ 10 \(monthly\)/);
      await checkPage(admin, 'keys', store);

      // The holder signs in with the new key, in another browser profile.
      const { page: user } = await env.newPage();
      watch(user, 'user');
      await user.goto(`${env.url}/ui/`);
      await user.getByLabel('Relais key').fill(secret);
      await user.keyboard.press('Enter');
      await user.getByRole('heading', { level: 1, name: 'My activity' }).waitFor();
      const nav = user.getByRole('navigation');
      assert.deepEqual(await nav.getByRole('link').allTextContents(), ['Activity', 'My key', 'Playground']);
      await goTo(user, 'My key', 'My key');
      await user.getByText('Budget this period').waitFor();
      await checkPage(user, 'my-key', store);

      // Playground: tokens stream in, then the answer shows its cost.
      await goTo(user, 'Playground', 'Playground');
      await user.getByLabel('Model').selectOption(MODEL);
      await user.getByLabel('Max tokens').fill('150');
      await user.getByLabel('System prompt').fill('You are terse.');
      await user.getByLabel('Message').fill(`Hello ${HOSTILE}`);
      await user.getByLabel('Message').press('Enter');
      await user.waitForFunction(() => {
        const a = [...document.querySelectorAll<HTMLElement>('[data-testid=answer]')].at(-1);
        return a?.dataset.state === 'streaming' && (a.querySelector('.text')?.textContent ?? '').length > 5;
      });
      await answer(user).and(user.locator('[data-state=done]')).waitFor({ timeout: 30_000 });
      const stats = (await answer(user).getByTestId('answer-stats').textContent()) ?? '';
      assert.match(stats, /backend sim[01]/);
      assert.match(stats, /150 out/);
      const answerCost = Number(await answer(user).getByTestId('answer-cost').textContent());
      assert.ok(answerCost > 0, `the answer has a cost (${stats})`);
      await checkPage(user, 'playground', store);

      // Stop aborts the request, and the engine stops generating.
      const abortsBefore = env.fleet.replicas.reduce((s, r) => s + r.metrics.finished.abort, 0);
      await user.getByLabel('Max tokens').fill('4000');
      await user.getByLabel('Message').fill('Tell me a long story.');
      await user.getByLabel('Message').press('Enter');
      await user.waitForFunction(() => {
        const a = [...document.querySelectorAll<HTMLElement>('[data-testid=answer]')].at(-1);
        return a?.dataset.state === 'streaming' && (a.querySelector('.text')?.textContent ?? '').length > 5;
      });
      await press(user.getByRole('button', { name: 'Stop' }));
      await answer(user).and(user.locator('[data-state=stopped]')).waitFor();
      const deadline = Date.now() + 10_000;
      while (env.fleet.replicas.reduce((s, r) => s + r.metrics.finished.abort, 0) === abortsBefore && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.equal(env.fleet.replicas.reduce((s, r) => s + r.metrics.finished.abort, 0), abortsBefore + 1, 'the engine saw the abort');
      await checkPage(user, 'playground-stopped', store);

      // The holder's own activity; the admin's activity shows both requests and their cost.
      await goTo(user, 'Activity', 'My activity');
      await user.locator('section[data-state=ready]').waitFor();
      assert.equal(await user.getByTestId('total-requests').textContent(), '2');
      await checkPage(user, 'my-activity', store);
      await goTo(admin, 'Activity', 'Activity');
      await admin.locator('section[data-state=ready]').waitFor();
      const api = (await (await fetch(`${env.url}/admin/activity`, { headers: { authorization: `Bearer ${env.masterKey}` } })).json()) as { totals: { requests: number; cost: number } };
      assert.equal(api.totals.requests, 2);
      assert.ok(api.totals.cost >= answerCost);
      assert.equal(await admin.getByTestId('total-requests').textContent(), '2');
      assert.equal(Number(await admin.getByTestId('total-cost').textContent()), Number(api.totals.cost.toFixed(4)));
      const topKeys = admin.getByRole('table', { name: 'Top keys' });
      assert.match((await topKeys.textContent()) ?? '', /<script>/, 'key names as text in the top list');
      await press(admin.getByRole('button', { name: /Show table/ }));
      await admin.locator('#activity-table tbody tr').first().waitFor();
      await checkPage(admin, 'activity', store);
      // CSV export: the rows shown.
      const download = admin.waitForEvent('download');
      await press(admin.getByRole('button', { name: 'Export CSV' }));
      const csv = await (await download).createReadStream().then(async (s) => {
        let text = '';
        for await (const chunk of s) text += String(chunk);
        return text;
      });
      const lines = csv.trim().split('\r\n');
      assert.equal(lines[0], 'time,requests,errors,prompt_tokens,completion_tokens,cached_tokens,cost,avg_ms');
      assert.equal(lines.length - 1, await admin.locator('#activity-table tbody tr').count());

      // Logs: the prompt with HTML in it, as text.
      await goTo(admin, 'Logs', 'Logs');
      const entry = admin.getByTestId('log-entry').filter({ hasText: 'Hello' }).first();
      await entry.waitFor();
      assert.match((await entry.getByTestId('log-request').textContent()) ?? '', /<script>window.__pwned=1<\/script>/);
      assert.match((await entry.getByTestId('log-answer').textContent()) ?? '', /^ ?\w+ \w+/, 'the answer text, read from the stream');
      assert.match((await entry.textContent()) ?? '', /30 days/);
      await checkPage(admin, 'logs', store);

      // Models and backends, live: with streams running, tokens/s rises within a few polls.
      await goTo(admin, 'Models and backends', 'Models and backends');
      await admin.locator('tr[data-backend=sim0]').waitFor();
      await admin.waitForFunction(() => (document.querySelector('[data-testid=queue-sim-chat]')?.textContent ?? '') === '0');
      const load = Array.from({ length: 4 }, () =>
        fetch(`${env.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${env.masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'load' }], max_tokens: 600, stream: true }),
        }).then((r) => r.text()),
      );
      // Mid-stream: requests in flight on a backend, its engine running them.
      await admin.waitForFunction(() => [...document.querySelectorAll('tr[data-backend] td:nth-child(4)')].some((td) => Number(td.textContent) > 0), undefined, { timeout: 15_000 });
      await checkPage(admin, 'models', store);
      await Promise.all(load);
      // Finished requests count in the window's tokens/s.
      await admin.waitForFunction(() => [...document.querySelectorAll('tr[data-backend] td:nth-child(9)')].some((td) => Number(td.textContent) > 0), undefined, { timeout: 15_000 });

      // Users and teams: create a team and a user in it.
      await goTo(admin, 'Users and teams', 'Users and teams');
      await press(admin.getByRole('button', { name: 'Create team' }));
      await admin.getByRole('dialog').locator('input[name=name]').fill('Lab <b>one</b>');
      await press(admin.getByRole('dialog').getByRole('button', { name: 'Save' }));
      await admin.getByRole('cell', { name: 'Lab <b>one</b>', exact: true }).waitFor();
      await press(admin.getByRole('button', { name: 'Create user' }));
      const userDialog = admin.getByRole('dialog', { name: 'Create user' });
      await userDialog.locator('input[name=name]').fill('Grace');
      await userDialog.locator('input[name=email]').fill('grace@example.org');
      await userDialog.locator('select[name=team_id]').selectOption({ label: 'Lab <b>one</b>' });
      await press(userDialog.getByRole('button', { name: 'Save' }));
      await admin.getByRole('cell', { name: 'Grace', exact: true }).waitFor();
      await press(admin.getByRole('button', { name: 'Show Lab <b>one</b>' }));
      await admin.getByText('Members: Grace').waitFor();
      await checkPage(admin, 'people', store);

      // Plan: the form and its ranked table; the bench run viewer.
      await goTo(admin, 'Plan', 'Plan');
      await admin.locator('select[name=model] option[value="llama-3.1-8b"]').waitFor({ state: 'attached' });
      await admin.locator('input[name=users]').fill('20');
      await press(admin.getByRole('button', { name: 'Plan', exact: true }));
      await admin.getByTestId('plan-table').locator('tbody tr').first().waitFor();
      // A real run file, measured by `relais bench`'s runner against the simulated replica.
      const run = await runBench({
        url: `${env.fleet.urls[0]}/v1`,
        endpoint: 'chat',
        settings: {
          mode: 'concurrency', concurrency: [1, 2], rates: [], promptTokens: [16, 64], output: { kind: 'fixed', tokens: 4 },
          requestsPerCell: 3, warmupPerCell: 0, workload: { kind: 'random' }, stream: true, ignoreEos: false, temperature: 0, seed: 3,
          timeoutMs: 10_000, cellTimeoutMs: 20_000, maxErrorRate: 0.5, maxConcurrency: null,
        },
      });
      const runFile = join(mkdtempSync(join(tmpdir(), 'relais-console-')), 'run.json');
      writeFileSync(runFile, JSON.stringify(run));
      await admin.getByTestId('bench-file').setInputFiles(runFile);
      await admin.getByTestId('bench-charts').waitFor();
      // As the HTML report: three curves, then TTFT and inter-token distributions per prompt size.
      assert.equal(await admin.getByTestId('bench-charts').locator('figure.chart').count(), 3 + 2 + 2);
      await checkPage(admin, 'plan', store);

      // Revoke the key (with confirmation): the holder's next action is refused and the sign-in form returns.
      await goTo(admin, 'Keys', 'Keys');
      await press(admin.getByRole('button', { name: `Revoke ${keyName}` }));
      await press(admin.getByRole('dialog', { name: 'Revoke key' }).getByRole('button', { name: `Revoke ${keyName}` }));
      await row.getByText('revoked').waitFor();
      // Its next action (opening the playground, which lists the key's models) is refused.
      await press(user.getByRole('navigation').getByRole('link', { name: 'Playground', exact: true }));
      await user.getByText('You were signed out: This API key has been revoked.').waitFor();
      await user.getByLabel('Relais key').waitFor();
      const direct = await fetch(`${env.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(direct.status, 401);
      await checkPage(user, 'signed-out', store);
      assert.deepEqual(problems, []);
    });
  });
}
