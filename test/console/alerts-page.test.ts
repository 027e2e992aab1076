/// <reference lib="dom" />
// The console's Alerts page in Chromium: a key about to expire raises an alert; its webhook does not
// answer, so the page shows it pending with the delivery error. Checked with axe.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { requestJson } from '../support/http-json.js';
import { SCREENSHOTS, startConsoleEnv, type ConsoleEnv } from './harness.js';

describe('console: alerts', { timeout: 180_000 }, () => {
  let env: ConsoleEnv;
  before(async () => {
    // Port 9 (discard) on loopback refuses connections: every delivery fails, and is retried much later.
    env = await startConsoleEnv('sqlite', `alerts:\n  webhooks: [ { url: "http://127.0.0.1:9/hook", secret: "0123456789abcdef0123" } ]\n  check_ms: 200\n  retry_ms: 600000\n`);
  });
  after(async () => {
    await env?.close();
  });

  it('lists an expiring key’s alert with its failed delivery', async () => {
    const made = await requestJson(`${env.url}/admin/keys`, 'POST', { name: 'soon <i>gone</i>', expires_at: Date.now() + 2 * 86_400_000 }, { authorization: `Bearer ${env.masterKey}` });
    assert.equal(made.status, 201, made.text);
    // Raised and attempted within a few check rounds.
    const t0 = Date.now();
    for (;;) {
      const list = await requestJson(`${env.url}/admin/alerts`, 'GET', undefined, { authorization: `Bearer ${env.masterKey}` });
      const rows = list.json.data as { attempts: number }[] | undefined;
      if (rows?.some((r) => r.attempts > 0)) break;
      assert.ok(Date.now() - t0 < 15_000, `no alert attempted: ${list.text}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const { page } = await env.newPage();
    await page.goto(`${env.url}/ui/`);
    await page.getByLabel('Relais key').fill(env.masterKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Alerts', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Alerts' }).waitFor();
    const row = page.getByTestId('alert').first();
    await row.waitFor();
    const text = (await row.textContent()) ?? '';
    assert.match(text, /key soon <i>gone<\/i>/, 'the name is shown as text');
    assert.match(text, /key expires/);
    assert.match(text, /pending \(1 attempt\)/);
    assert.match(text, /127\.0\.0\.1:9/);
    assert.equal(await page.locator('td i').count(), 0);
    await page.screenshot({ path: join(SCREENSHOTS, 'sqlite-alerts.png'), fullPage: true });
    const axe = await new AxeBuilder({ page }).analyze();
    assert.deepEqual(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id), []);
  });
});
