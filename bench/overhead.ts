// npm run bench:overhead — the gateway's cost on the hot path, measured against a bare undici proxy.
// Separate processes: a fast upstream, the bare proxy, the gateway (`relais serve`) and the load generator.
// The gateway's public model name differs from the engine's (as in most configurations), so the relay
// rewrites it in every answer. Prints requests/s and p50/p99 at concurrency 64 (non-streaming and 100-chunk streams), the same
// stream translated to the Responses and Messages APIs (as a share of the chat stream rate), then the p50 latency the gateway
// adds at half of its maximum load.
// Usage: npm run bench:overhead [-- --seconds 5 --concurrency 64]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = import.meta.resolve('tsx');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '64' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

interface LoadResult {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  count: number;
  errors: number;
}

const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

function start(script: string, args: string[], readyText: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', tsx, join(root, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes(readyText)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function load(url: string, stream: boolean, rate?: number, api = 'chat'): Promise<LoadResult> {
  const args = [url, stream ? '1' : '0', String(seconds), String(concurrency), ...(rate ? [String(rate)] : [])];
  const child = spawn(process.execPath, ['--import', tsx, join(root, 'bench/support/loadgen.ts'), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOADGEN_API: api } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out) as LoadResult);
      } catch {
        reject(new Error(`load generator printed: ${out}`));
      }
    });
  });
}

/** User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

const fmt = (r: LoadResult): string => `${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50_ms.toFixed(2).padStart(7)} ms   p99 ${r.p99_ms.toFixed(2).padStart(7)} ms${r.errors ? `   errors ${r.errors}` : ''}`;

async function main(): Promise<void> {
  const [up, px, gw] = [await freePort(), await freePort(), await freePort()];
  await start('bench/support/fast-upstream.ts', [String(up)], 'ready');
  await start('bench/support/bare-proxy.ts', [String(px), `http://127.0.0.1:${up}`], 'ready');
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
  const cfg = join(dir, 'relais.yaml');
  writeFileSync(cfg, `log_level: warn\ndata_dir: ${join(dir, 'data')}\nhealth: { interval_ms: 60000 }\nbackends:\n  up: { kind: vllm, url: http://127.0.0.1:${up} }\nmodels:\n  - name: bench-model\n    deployments: [ { backend: up, model: org/Bench-Model-8B-Instruct } ]\n`);
  // The gateway as users run it: the compiled CLI (`npm run build` first; the npm script does it).
  const gateway = spawn(process.execPath, [join(root, 'bin/relais'), 'serve', '--config', cfg, '--listen', `127.0.0.1:${gw}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(gateway);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    gateway.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve();
    });
    gateway.on('exit', (code) => reject(new Error(`relais serve exited with ${code}`)));
  });

  const path = '/v1/chat/completions';
  console.log(`Gateway overhead — concurrency ${concurrency}, ${seconds}s per run, ${new Date().toISOString()}\n`);
  const results: Record<string, Record<string, LoadResult>> = {};
  for (const stream of [false, true]) {
    const label = stream ? 'streaming (100 chunks)' : 'non-streaming';
    const direct = await load(`http://127.0.0.1:${up}${path}`, stream);
    const bare = await load(`http://127.0.0.1:${px}${path}`, stream);
    const relais = await load(`http://127.0.0.1:${gw}${path}`, stream);
    results[label] = { direct, bare, relais };
    console.log(`${label}`);
    console.log(`  direct       ${fmt(direct)}`);
    console.log(`  bare proxy   ${fmt(bare)}`);
    console.log(`  relais       ${fmt(relais)}   → ${((relais.rps / bare.rps) * 100).toFixed(0)}% of the bare proxy`);
  }
  // The translating codecs: the same engine stream re-encoded as Responses and Messages events. The three
  // APIs take turns for three rounds and the median of each is compared, so that a neighbour's load on
  // the machine does not favour one of them.
  // The gateway's own CPU time per request is measured too (from /proc): it does not depend on what
  // else the machine runs.
  const apis = [['chat', path], ['responses', '/v1/responses'], ['messages', '/v1/messages']] as const;
  const runs: Record<string, { r: LoadResult; cpuUs: number }[]> = { chat: [], responses: [], messages: [] };
  // A first, discarded round warms the translating code paths (JIT) as the chat path already is.
  for (const [api, p] of apis.slice(1)) await load(`http://127.0.0.1:${gw}${p}`, true, undefined, api);
  for (let round = 0; round < 3; round++) {
    for (const [api, p] of apis) {
      const cpu0 = cpuSeconds(gateway.pid);
      const r = await load(`http://127.0.0.1:${gw}${p}`, true, undefined, api);
      // The load generator's warm-up requests are served too: count them (concurrency of them).
      runs[api]!.push({ r, cpuUs: ((cpuSeconds(gateway.pid) - cpu0) * 1e6) / (r.count + concurrency) });
    }
  }
  const median = (xs: { r: LoadResult; cpuUs: number }[], by: (x: { r: LoadResult; cpuUs: number }) => number): { r: LoadResult; cpuUs: number } => [...xs].sort((a, b) => by(a) - by(b))[1]!;
  const chatRate = median(runs.chat!, (x) => x.r.rps);
  const chatCpu = median(runs.chat!, (x) => x.cpuUs).cpuUs;
  console.log('\nstreaming (100 chunks) through relais, by client API (median of 3 interleaved runs; gateway CPU per request)');
  for (const [api] of apis) {
    const r = median(runs[api]!, (x) => x.r.rps).r;
    const cpu = median(runs[api]!, (x) => x.cpuUs).cpuUs;
    const vs = api === 'chat' ? '' : `   → ${((r.rps / chatRate.r.rps) * 100).toFixed(0)}% of the chat stream rate, ${((chatCpu / cpu) * 100).toFixed(0)}% by CPU`;
    console.log(`  ${api.padEnd(12)} ${fmt(r)}   cpu ${cpu.toFixed(0).padStart(5)} µs/req${vs}`);
  }
  const maxRps = results['non-streaming']!.relais!.rps;
  const half = Math.max(1, Math.round(maxRps / 2));
  const directHalf = await load(`http://127.0.0.1:${up}${path}`, false, half);
  const relaisHalf = await load(`http://127.0.0.1:${gw}${path}`, false, half);
  console.log(`\nAt half load (${half} req/s, non-streaming):`);
  console.log(`  direct       ${fmt(directHalf)}`);
  console.log(`  relais       ${fmt(relaisHalf)}`);
  console.log(`  added latency p50 ${(relaisHalf.p50_ms - directHalf.p50_ms).toFixed(3)} ms, p99 ${(relaisHalf.p99_ms - directHalf.p99_ms).toFixed(3)} ms`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
