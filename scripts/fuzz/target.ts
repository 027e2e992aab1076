// The gateway the fuzzer attacks: `relais serve` as its own process (a crash is an exit), keyed (a
// master key, a user key, a revoked key, a console session), in front of one simulated vLLM replica
// and of a backend nobody listens on (its model's 502/503/504 are expected and reported apart).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { freePort } from '../../test/support/free-port.js';
import { startGateway, type GatewayProcess } from '../../test/support/gateway-process.js';
import type { FuzzTarget } from './cases.js';

export interface RunningTarget {
  readonly target: FuzzTarget;
  readonly proc: ChildProcess;
  /** Every line the gateway wrote (JSON log lines). */
  readonly lines: string[];
  /** Set once the process has exited (a crash, during the run). */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  close(): Promise<void>;
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
  // Free now and never listened on: the dead backend.
  const deadPort = await freePort();
  // Timeouts below the fuzzer's 10 s hang limit: a slow engine answers 504, it does not look like a hang.
  const yaml = `master_key: ${masterKey}
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
`;
  const stop = async (gw?: GatewayProcess): Promise<void> => {
    if (gw && gw.proc.exitCode === null && gw.proc.signalCode === null) {
      const killer = setTimeout(() => gw.proc.kill('SIGKILL'), 15_000);
      await gw.stop('SIGTERM');
      clearTimeout(killer);
    }
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
    if (gw) rmSync(gw.dir, { recursive: true, force: true });
  };
  let gw: GatewayProcess;
  try {
    gw = await startGateway(yaml, { timeoutMs: 60_000 });
  } catch (err) {
    await stop();
    throw err;
  }
  const { proc } = gw;
  const exit = (): { code: number | null; signal: NodeJS.Signals | null } | undefined =>
    proc.exitCode !== null || proc.signalCode !== null ? { code: proc.exitCode, signal: proc.signalCode } : undefined;
  try {
    return { target: await setUp(gw.port, masterKey), proc, lines: gw.lines, exit, close: () => stop(gw) };
  } catch (err) {
    await stop(gw);
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
