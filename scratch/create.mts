import { startConsoleEnv, SCREENSHOTS } from '/work/wt/h13/test/console/harness.ts';
const env = await startConsoleEnv('sqlite');
try {
  const { page } = await env.newPage();
  page.on('console', (m) => console.log('console', m.type(), m.text()));
  await page.goto(`${env.url}/ui/`);
  await page.getByLabel('Relais key').fill(env.masterKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
  await page.getByRole('link', { name: 'Keys' }).click();
  await page.getByRole('button', { name: 'Create key' }).click();
  const create = page.getByRole('dialog', { name: 'Create key' });
  await create.locator('input[name=name]').fill('Ada <b>x</b>');
  await create.locator('input[name=budget]').fill('10');
  await create.getByRole('button', { name: 'Create' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${SCREENSHOTS}/dbg-create.png` });
  console.log(await page.locator('dialog[open]').count(), await page.locator('dialog[open]').first().innerHTML());
} finally {
  await env.close();
}
