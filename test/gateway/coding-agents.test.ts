// Coding agents as users run them, offline, against a real gateway in front of the simulator:
// a Codex CLI `exec` (Responses API, stateless, tools) and a Claude Code `-p` one-shot (Messages API).
// Their update checks, telemetry and other traffic are switched off by their own settings.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

const bin = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
const KEY = 'sk-agents-test';

function run(cmd: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs = 120_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(bin, cmd), args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not finish within ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('coding agents against Relais (offline)', () => {
  let sim: SimFleet;
  let gw: GatewayProcess;
  let dir: string;

  before(async () => {
    // Answers end by themselves (as a model's do), so an agent's max_tokens is a cap, not a length.
    sim = await startSimFleet({ replicas: 1, gpu: 'a100-80g', model: 'llama-3.1-8b', servedModelName: 'sim-coder', speed: 50, outputLen: 'normal:24:4', naturalLength: true, toolCallRate: 0, seed: 5 });
    gw = await startGateway(`
master_key: ${KEY}
health: { interval_ms: 60000 }
backends:
  sim: { kind: vllm, url: ${sim.urls[0]} }
models:
  - name: qwen-coder
    deployments: [ { backend: sim, model: sim-coder } ]
aliases:
  "claude-*": qwen-coder
  "gpt-*": qwen-coder
`);
    dir = mkdtempSync(join(tmpdir(), 'relais-agents-'));
    mkdirSync(join(dir, 'codex'));
  });
  after(async () => {
    await gw.stop();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('codex exec runs a turn over the Responses API', async () => {
    const provider = `{name="Relais",base_url="${gw.url}/v1",env_key="RELAIS_API_KEY",wire_api="responses"}`;
    const r = await run(
      'codex',
      [
        'exec', '--skip-git-repo-check', '--sandbox', 'read-only',
        '-c', 'model_provider=relais', '-c', `model_providers.relais=${provider}`,
        '-c', 'web_search=disabled', '-c', 'analytics.enabled=false', '-c', 'check_for_update_on_startup=false',
        '-m', 'qwen-coder', 'Say hello',
      ],
      { HOME: dir, CODEX_HOME: join(dir, 'codex'), RELAIS_API_KEY: KEY },
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /ERROR|stream disconnected|unexpected status/i);
    assert.match(r.stdout, /\w/);
  });

  it('claude -p answers a one-shot over the Messages API', async () => {
    const r = await run(
      'claude',
      ['-p', 'Say hello', '--output-format', 'json'],
      {
        HOME: dir,
        ANTHROPIC_BASE_URL: gw.url,
        ANTHROPIC_API_KEY: KEY,
        CLAUDE_CODE_MAX_OUTPUT_TOKENS: '4096',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_ERROR_REPORTING: '1',
      },
      dir,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(r.stdout) as { is_error: boolean; result: string; stop_reason: string; usage: { input_tokens: number; output_tokens: number } };
    assert.equal(result.is_error, false, result.result);
    assert.equal(result.stop_reason, 'end_turn');
    assert.ok(result.usage.input_tokens > 0 && result.usage.output_tokens > 0);
  });
});
