// npm run bench:access-log — what the access log costs.
//  1. One access line through the logger into a pipe (a `cat > /dev/null` child), batched per event-loop
//     turn as the logger does, against one write per line (what it did before).
//  2. `relais serve` (SQLite store, a fast upstream,
// non-streaming, concurrency 64) at log_level info with access_log on and off, its stdout a pipe read by
// this process (as under systemd or a container runtime). Rounds alternate and the median of each is
// shown, with the gateway's CPU per request — the figure a busy shared machine disturbs least.
// Usage: npm run bench:access-log [-- --seconds 5 --rounds 5]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import { createLogger } from '../src/telemetry/log.js';
import { cpuMs, freePort, runLoadgen, startChild } from './support/child-processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '5' } } });
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);

async function run(upstream: number, accessLog: boolean): Promise<{ rps: number; cpuUs: number; lines: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-access-'));
  const port = await freePort();
  const cfg = join(dir, 'relais.yaml');
  writeFileSync(cfg, `log_level: info\naccess_log: ${accessLog}\ndata_dir: ${join(dir, 'data')}\nhealth: { interval_ms: 60000 }\nbackends:\n  up: { kind: vllm, url: http://127.0.0.1:${upstream} }\nmodels:\n  - name: bench-model\n    deployments: [ { backend: up, model: bench-model } ]\n`);
  const child = await startChild([join(root, 'src/cli/main.ts'), 'serve', '--config', cfg, '--listen', `127.0.0.1:${port}`], 'listening');
  let lines = 0;
  child.stdout!.on('data', (d: Buffer) => {
    for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
  });
  const pid = child.pid as number;
  const cpu0 = cpuMs(pid);
  const result = await runLoadgen(`http://127.0.0.1:${port}/v1/chat/completions`, { stream: false, seconds, concurrency: 64 });
  const cpuUs = ((cpuMs(pid) - cpu0) * 1000) / (result.count + 64);
  await new Promise<void>((r) => {
    child.removeAllListeners('exit');
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
  rmSync(dir, { recursive: true, force: true });
  return { rps: result.rps, cpuUs, lines };
}

/** µs per access line written through the logger into a pipe, 50 lines per event-loop turn. */
async function linesIntoPipe(batched: boolean): Promise<number> {
  const sink = spawn('sh', ['-c', 'cat > /dev/null'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const out = sink.stdin;
  const log = createLogger('info', out, out);
  const total = 100_000;
  let spent = 0;
  for (let i = 0; i < total; i += 50) {
    const t = performance.now();
    for (let j = i; j < i + 50; j++) {
      const fields = { requestId: `req-${j}`, method: 'POST', path: '/v1/chat/completions', status: 200, outcome: 'completed', model: 'bench-model', keyId: 'key_0123456789abcdef', backend: 'up', promptTokens: 12, completionTokens: 100, ms: 9.7 };
      if (batched) log.info('access', fields);
      else out.write(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'access', ...fields }) + '\n');
    }
    if (batched) log.flush();
    spent += performance.now() - t;
    await yieldLoop();
  }
  out.end();
  await new Promise((r) => sink.once('exit', r));
  return (spent * 1000) / total;
}

console.log(`access line into a pipe: batched ${(await linesIntoPipe(true)).toFixed(2)} µs, one write per line ${(await linesIntoPipe(false)).toFixed(2)} µs`);

const upstream = await freePort();
await startChild([join(root, 'bench/support/fast-upstream.ts'), String(upstream)], 'ready');
const runs: Record<'off' | 'on', { rps: number; cpuUs: number; lines: number }[]> = { off: [], on: [] };
for (let i = 0; i < rounds; i++) {
  for (const mode of ['off', 'on'] as const) runs[mode].push(await run(upstream, mode === 'on'));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
console.log(`bench:access-log — ${rounds} alternating rounds of ${seconds} s, non-streaming, concurrency 64`);
for (const mode of ['off', 'on'] as const) {
  const r = runs[mode];
  console.log(
    `  access_log ${mode.padEnd(3)}  ${Math.round(median(r.map((x) => x.rps))).toLocaleString().padStart(6)} req/s   ${median(r.map((x) => x.cpuUs)).toFixed(0).padStart(4)} µs gateway CPU per request` +
      `   (CPU per request by round: ${r.map((x) => x.cpuUs.toFixed(0)).join(', ')}; stdout lines ${r.map((x) => x.lines).join(', ')})`,
  );
}
process.exit(0);
