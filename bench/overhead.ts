// npm run bench:overhead — the gateway's cost on the hot path, measured against a bare undici proxy.
// Separate processes: a fast upstream, the bare proxy, the gateway (`relais serve`) and the load generator.
// The gateway's public model name differs from the engine's (as in most configurations), so the relay
// rewrites it in every answer. Prints requests/s and p50/p99 at concurrency 64 (non-streaming and 100-chunk streams), the same
// stream translated to the Responses and Messages APIs (rate and gateway CPU per request against the chat stream's), then the
// p50 latency the gateway adds at half of its maximum load.
// Usage: npm run bench:overhead [-- --seconds 5 --concurrency 64]
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuMs, freePort, runLoadgen, startChild, startProcess, type LoadResult } from './support/child-processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '64' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const start = (script: string, args: string[], readyText: string): Promise<ChildProcess> => startChild([join(root, script), ...args], readyText);

const load = (url: string, stream: boolean, rate?: number, api?: string): Promise<LoadResult> => runLoadgen(url, { stream, seconds, concurrency, rate, api });

const fmt = (r: LoadResult): string => `${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50_ms.toFixed(2).padStart(7)} ms   p99 ${r.p99_ms.toFixed(2).padStart(7)} ms${r.errors ? `   errors ${r.errors}` : ''}`;

interface Run {
  r: LoadResult;
  cpuUs: number;
}

/**
 * The translating codecs: the same engine stream re-encoded as Responses and Messages events. The three
 * APIs take turns for three rounds (after a discarded warm-up of the translating paths) and the median
 * of each is compared; the gateway's own CPU per request (from /proc) does not depend on what else the
 * machine runs.
 */
async function translated(gw: number, pid: number, chatPath: string): Promise<void> {
  const apis = [['chat', chatPath], ['responses', '/v1/responses'], ['messages', '/v1/messages']] as const;
  for (const [api, p] of apis.slice(1)) await load(`http://127.0.0.1:${gw}${p}`, true, undefined, api);
  const runs: Record<string, Run[]> = { chat: [], responses: [], messages: [] };
  for (let round = 0; round < 3; round++) {
    for (const [api, p] of apis) {
      const cpu0 = cpuMs(pid);
      const r = await load(`http://127.0.0.1:${gw}${p}`, true, undefined, api);
      // The load generator's warm-up requests (one per connection) are served too.
      runs[api]!.push({ r, cpuUs: ((cpuMs(pid) - cpu0) * 1000) / (r.count + concurrency) });
    }
  }
  const median = (xs: Run[], by: (x: Run) => number): Run => [...xs].sort((a, b) => by(a) - by(b))[1]!;
  const chatRps = median(runs.chat!, (x) => x.r.rps).r.rps;
  const chatCpu = median(runs.chat!, (x) => x.cpuUs).cpuUs;
  console.log('\nstreaming (100 chunks) through relais, by client API (median of 3 interleaved runs; gateway CPU per request)');
  for (const [api] of apis) {
    const r = median(runs[api]!, (x) => x.r.rps).r;
    const cpu = median(runs[api]!, (x) => x.cpuUs).cpuUs;
    const vs = api === 'chat' ? '' : `   → ${((r.rps / chatRps) * 100).toFixed(0)}% of the chat stream rate, ${((chatCpu / cpu) * 100).toFixed(0)}% by CPU`;
    console.log(`  ${api.padEnd(12)} ${fmt(r)}   cpu ${cpu.toFixed(0).padStart(5)} µs/req${vs}`);
  }
}

async function main(): Promise<void> {
  const [up, px, gw] = [await freePort(), await freePort(), await freePort()];
  await start('bench/support/fast-upstream.ts', [String(up)], 'ready');
  await start('bench/support/bare-proxy.ts', [String(px), `http://127.0.0.1:${up}`], 'ready');
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
  const cfg = join(dir, 'relais.yaml');
  writeFileSync(cfg, `log_level: warn\ndata_dir: ${join(dir, 'data')}\nhealth: { interval_ms: 60000 }\nbackends:\n  up: { kind: vllm, url: http://127.0.0.1:${up} }\nmodels:\n  - name: bench-model\n    deployments: [ { backend: up, model: org/Bench-Model-8B-Instruct } ]\n`);
  // The gateway as users run it: the compiled CLI (`npm run build` first; the npm script does it).
  const gateway = await startProcess([process.execPath, join(root, 'bin/relais'), 'serve', '--config', cfg, '--listen', `127.0.0.1:${gw}`], 'listening');

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
  await translated(gw, gateway.pid ?? 0, path);
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
