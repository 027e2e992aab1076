// A real gateway process with the console, two simulated vLLM replicas behind it, and Chromium.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startSimFleet, type SimFleet } from '../../src/sim/index.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { dropSchema, POSTGRES_URL, uniqueName } from '../store/services.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const SCREENSHOTS = join(root, 'test-results', 'console');
export const MODEL = 'sim-chat';
/** Credits per 1M tokens: large enough that one short answer has a visible cost. */
export const PRICE = { input: 100, output: 200 };

function newest(dir: string): number {
  return readdirSync(dir).reduce((m, name) => {
    const p = join(dir, name);
    const s = statSync(p);
    return Math.max(m, s.isDirectory() ? newest(p) : s.mtimeMs);
  }, 0);
}

/** Builds the console when dist/ui is missing or older than its sources (npm install builds it too). */
export function ensureConsoleBuilt(): void {
  const index = join(root, 'dist/ui/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(root, 'ui'))) return;
  const vite = join(root, 'node_modules/vite/bin/vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', 'ui/vite.config.ts', '--logLevel', 'warn'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`console build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface ConsoleEnv {
  readonly url: string;
  readonly masterKey: string;
  readonly fleet: SimFleet;
  readonly gateway: GatewayProcess;
  readonly browser: Browser;
  newPage(): Promise<{ context: BrowserContext; page: Page }>;
  /** Another gateway instance on the same store and engines (stopped by close()). */
  another(): Promise<GatewayProcess>;
  close(): Promise<void>;
}

export async function startConsoleEnv(store: 'sqlite' | 'postgres', extraYaml = ''): Promise<ConsoleEnv> {
  ensureConsoleBuilt();
  mkdirSync(SCREENSHOTS, { recursive: true });
  const fleet = await startSimFleet({ replicas: 2, gpu: 'a100-80g', model: 'llama-3.1-8b', servedModelName: 'sim-llama', outputLen: 'fixed:24', seed: 5 });
  const schema = uniqueName('relais_console');
  const masterKey = `master-${uniqueName('k')}`;
  const yaml = `
master_key: ${masterKey}
log_level: warn
access: { refresh_ms: 200 }
backends:
  sim0: { kind: vllm, url: ${fleet.urls[0]} }
  sim1: { kind: vllm, url: ${fleet.urls[1]} }
models:
  - name: ${MODEL}
    deployments: [ { backend: sim0, model: sim-llama }, { backend: sim1, model: sim-llama } ]
    price: { input: ${PRICE.input}, output: ${PRICE.output} }
${store === 'postgres' ? `store: { kind: postgres, url: '${POSTGRES_URL}', schema: ${schema} }` : ''}
${extraYaml}`;
  let gateway: GatewayProcess;
  try {
    gateway = await startGateway(yaml, { timeoutMs: 60_000 });
  } catch (err) {
    await fleet.close();
    throw err;
  }
  const others: GatewayProcess[] = [];
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  return {
    url: gateway.url,
    masterKey,
    fleet,
    gateway,
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
      return { context, page: await context.newPage() };
    },
    async another() {
      const g = await startGateway(yaml, { timeoutMs: 60_000 });
      others.push(g);
      return g;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await Promise.all(others.map((g) => g.stop()));
      await gateway.stop();
      await fleet.close();
      if (store === 'postgres') await dropSchema(schema);
    },
  };
}
