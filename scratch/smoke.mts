import { startConsoleEnv, SCREENSHOTS } from '/work/wt/h13/test/console/harness.ts';
const env = await startConsoleEnv('sqlite');
try {
  const { page } = await env.newPage();
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  const r = await page.goto(`${env.url}/ui/`);
  console.log(r?.status(), r?.headers()['content-security-policy']);
  await page.getByLabel('Relais key').fill(env.masterKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Activity' }).waitFor();
  await page.screenshot({ path: `${SCREENSHOTS}/smoke-activity.png`, fullPage: true });
  for (const name of ['Keys', 'Users and teams', 'Models and backends', 'Playground', 'Logs', 'Plan']) {
    await page.getByRole('link', { name }).click();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: `${SCREENSHOTS}/smoke-${name.split(' ')[0]}.png`, fullPage: true });
  }
  console.log(problems);
} finally {
  await env.close();
}
