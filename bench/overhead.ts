// npm run bench:overhead — the gateway's cost on the hot path, measured against a bare undici proxy.
// Separate processes: a fast upstream, the bare proxy, the gateway (`relais serve`) and the load generator.
// The gateway's public model name differs from the engine's (as in most configurations), so the relay
// rewrites it in every answer. A second gateway traces every request (OTLP/HTTP to a local receiver). Prints requests/s and p50/p99 at concurrency 64 (non-streaming and 100-chunk streams), then the p50
// latency the gateway adds at half of its maximum load.
// Usage: npm run bench:overhead [-- --seconds 5 --concurrency 64]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/free-port.js';
import { cpuSeconds, runLoad, type LoadResult } from './support/load-run.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = import.meta.resolve('tsx');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '64' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);


const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));


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

function load(url: string, stream: boolean, rate?: number): Promise<LoadResult> {
  return runLoad({ url, stream, seconds, concurrency, rate });
}

const fmt = (r: LoadResult): string => `${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50_ms.toFixed(2).padStart(7)} ms   p99 ${r.p99_ms.toFixed(2).padStart(7)} ms${r.errors ? `   errors ${r.errors}` : ''}`;

/** `relais serve` as users run it (the compiled CLI: `npm run build` first; the npm script does it). */
async function startRelais(port: number, upstream: number, extra = ''): Promise<ChildProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
  const cfg = join(dir, 'relais.yaml');
  writeFileSync(cfg, `log_level: warn\ndata_dir: ${join(dir, 'data')}\nhealth: { interval_ms: 60000 }\n${extra}\nbackends:\n  up: { kind: vllm, url: http://127.0.0.1:${upstream} }\nmodels:\n  - name: bench-model\n    deployments: [ { backend: up, model: org/Bench-Model-8B-Instruct } ]\n`);
  const gateway = spawn(process.execPath, [join(root, 'bin/relais'), 'serve', '--config', cfg, '--listen', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(gateway);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    gateway.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve();
    });
    gateway.on('exit', (code) => reject(new Error(`relais serve exited with ${code}`)));
  });
  return gateway;
}


/** A load run against a gateway, with the gateway's CPU time per request (steadier than req/s on a shared machine). */
async function loadWithCpu(url: string, stream: boolean, proc: ChildProcess): Promise<LoadResult & { cpu_us: number }> {
  const c0 = cpuSeconds(proc.pid);
  const r = await load(url, stream);
  return { ...r, cpu_us: ((cpuSeconds(proc.pid) - c0) / Math.max(1, r.count)) * 1e6 };
}

/** An OTLP/HTTP receiver that counts and discards spans (the collector of the tracing run). */
async function otlpSink(): Promise<{ url: string; spans: () => number }> {
  let spans = 0;
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      spans += (body.match(/"spanId"/g) ?? []).length;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans: () => spans };
}

async function main(): Promise<void> {
  const [up, px, gw, gwTraced] = [await freePort(), await freePort(), await freePort(), await freePort()];
  await start('bench/support/fast-upstream.ts', [String(up)], 'ready');
  await start('bench/support/bare-proxy.ts', [String(px), `http://127.0.0.1:${up}`], 'ready');
  const plain = await startRelais(gw, up);
  // The same gateway with every request traced (OTLP/HTTP JSON to a local receiver).
  const sink = await otlpSink();
  const tracedGw = await startRelais(gwTraced, up, `tracing: { endpoint: "${sink.url}", sample: 1 }`);

  const path = '/v1/chat/completions';
  console.log(`Gateway overhead — concurrency ${concurrency}, ${seconds}s per run, ${new Date().toISOString()}\n`);
  const results: Record<string, Record<string, LoadResult>> = {};
  for (const stream of [false, true]) {
    const label = stream ? 'streaming (100 chunks)' : 'non-streaming';
    const direct = await load(`http://127.0.0.1:${up}${path}`, stream);
    const bare = await load(`http://127.0.0.1:${px}${path}`, stream);
    const relais = await loadWithCpu(`http://127.0.0.1:${gw}${path}`, stream, plain);
    const traced = await loadWithCpu(`http://127.0.0.1:${gwTraced}${path}`, stream, tracedGw);
    results[label] = { direct, bare, relais, traced };
    console.log(`${label}`);
    console.log(`  direct       ${fmt(direct)}`);
    console.log(`  bare proxy   ${fmt(bare)}`);
    console.log(`  relais       ${fmt(relais)}   → ${((relais.rps / bare.rps) * 100).toFixed(0)}% of the bare proxy; ${relais.cpu_us.toFixed(0)} µs CPU per request`);
    console.log(`  + tracing    ${fmt(traced)}   → ${((traced.rps / relais.rps) * 100).toFixed(0)}% of relais untraced; ${traced.cpu_us.toFixed(0)} µs CPU per request (+${(traced.cpu_us - relais.cpu_us).toFixed(0)})`);
  }
  const maxRps = results['non-streaming']!.relais!.rps;
  const half = Math.max(1, Math.round(maxRps / 2));
  const directHalf = await load(`http://127.0.0.1:${up}${path}`, false, half);
  const relaisHalf = await load(`http://127.0.0.1:${gw}${path}`, false, half);
  console.log(`\nAt half load (${half} req/s, non-streaming):`);
  console.log(`  direct       ${fmt(directHalf)}`);
  console.log(`  relais       ${fmt(relaisHalf)}`);
  console.log(`  added latency p50 ${(relaisHalf.p50_ms - directHalf.p50_ms).toFixed(3)} ms, p99 ${(relaisHalf.p99_ms - directHalf.p99_ms).toFixed(3)} ms`);
  const tracedHalf = await load(`http://127.0.0.1:${gwTraced}${path}`, false, half);
  console.log(`  + tracing    ${fmt(tracedHalf)}   added latency p50 ${(tracedHalf.p50_ms - directHalf.p50_ms).toFixed(3)} ms`);
  console.log(`  spans received by the OTLP receiver: ${sink.spans()}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
