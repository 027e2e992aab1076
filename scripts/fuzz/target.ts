// The gateway the fuzzer attacks: `relais serve` as its own process (a crash is an exit), keyed (a
// master key, a user key, a revoked key, a console session), in front of one simulated vLLM replica
// and of a backend nobody listens on (its model's 502/503/504 are expected and reported apart).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import type { FuzzTarget } from './cases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = import.meta.resolve('tsx');

export interface RunningTarget {
  readonly target: FuzzTarget;
  readonly proc: ChildProcess;
  /** Every line the gateway wrote (JSON log lines). */
  readonly lines: string[];
  /** Set once the process has exited (a crash, during the run). */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  close(): Promise<void>;
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function json(url: string, method: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

export async function startTarget(): Promise<RunningTarget> {
  const masterKey = 'sk-fuzz-master-0123456789abcdef';
  const sim: SimFleet = await startSimFleet({ replicas: 1, gpu: 'a100-80g', model: 'llama-3.1-8b', servedModelName: 'sim-llama', speed: 50, outputLen: 'normal:16:4', naturalLength: true, toolCallRate: 0.3, seed: 11 });
  const dir = mkdtempSync(join(tmpdir(), 'relais-fuzz-'));
  const deadPort = await closedPort();
  const file = join(dir, 'relais.yaml');
  // Timeouts below the fuzzer's 10 s hang limit: a slow engine answers 504, it does not look like a hang.
  writeFileSync(file, `master_key: ${masterKey}
log_level: warn
data_dir: ${join(dir, 'data')}
health: { interval_ms: 2000, timeout_ms: 1000, failure_threshold: 3, cooldown_ms: 3000 }
timeouts: { connect_ms: 1000, first_byte_ms: 8000, total_ms: 8000 }
backends:
  sim: { kind: vllm, url: ${sim.urls[0]} }
  dead: { kind: vllm, url: http://127.0.0.1:${deadPort} }
models:
  - name: chat
    deployments: [ { backend: sim, model: sim-llama } ]
    price: { input: 1, output: 2 }
  - name: dead
    deployments: [ { backend: dead, model: gone } ]
aliases:
  "gpt-*": chat
`);
  const proc = spawn(process.execPath, ['--import', tsx, join(root, 'src/cli/main.ts'), 'serve', '--config', file, '--listen', '127.0.0.1:0'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const gone = new Promise<void>((r) => proc.on('exit', (code, signal) => {
    exited = { code, signal };
    r();
  }));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${lines.join('\n')}`)), 60_000);
    for (const stream of [proc.stdout, proc.stderr]) {
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          lines.push(line);
          if (line.includes('"event":"listening"')) {
            clearTimeout(timer);
            resolve((JSON.parse(line) as { port: number }).port);
          }
        }
      });
    }
    void gone.then(() => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited at start:\n${lines.join('\n')}`));
    });
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await gone;
      clearTimeout(killer);
    }
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return { target: await setUp(port, masterKey), proc, lines, exit: () => exited, close: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function setUp(port: number, masterKey: string): Promise<FuzzTarget> {
  const base = `http://127.0.0.1:${port}`;
  const admin = { authorization: `Bearer ${masterKey}` };
  const user = await json(`${base}/admin/keys`, 'POST', { name: 'fuzz-user', budget: 1000, budget_period: 'monthly', rpm: 1_000_000 }, admin);
  const revoked = await json(`${base}/admin/keys`, 'POST', { name: 'fuzz-revoked' }, admin);
  await json(`${base}/admin/keys/${String(revoked.body.id)}`, 'DELETE', undefined, admin);
  const session = await json(`${base}/ui/session`, 'POST', { key: masterKey }, { origin: base });
  const cookie = /relais_session=([^;]+)/.exec(session.headers.get('set-cookie') ?? '')?.[1] ?? '';
  const stored = await json(`${base}/v1/responses`, 'POST', { model: 'chat', input: 'hello', max_output_tokens: 8 }, admin);
  if (user.status !== 201 || session.status !== 201 || !cookie || stored.status !== 200) {
    throw new Error(`fuzz set-up failed: key ${user.status} ${JSON.stringify(user.body)}, session ${session.status}, response ${stored.status}`);
  }
  return {
    host: '127.0.0.1',
    port,
    masterKey,
    userKey: String(user.body.key),
    userKeyId: String(user.body.id),
    revokedKey: String(revoked.body.key),
    sessionCookie: cookie,
    csrf: String(session.body.csrf_token),
    responseId: String(stored.body.id),
    model: 'chat',
    deadModel: 'dead',
  };
}
