// npm run bench:overhead — the gateway's cost on the hot path, side by side with a bare undici proxy
// and Portkey, in one run. Separate processes: a fast upstream, the bare proxy, three gateways
// (`relais serve`: open; a user key on SQLite; a user key on PostgreSQL + Redis), Portkey and the
// load generator. The key has a budget, rpm and tpm limits, so every request is admitted, settled
// and recorded; the public model name differs from the engine's, so every answer is rewritten.
//  1. Maximum rate at concurrency 64, non-streaming and streaming (100 chunks): the targets take
//     turns for --rounds rounds and each figure is the median (min–max across rounds), so a machine
//     that gets busier mid-run slows all of them alike; the ratio to the bare proxy is per round.
//  2. Latency added at half of relais' maximum rate (the user key on SQLite): each target minus the
//     engine alone at the same rate in the same round.
//  3. 10,000 concurrent streams through the user-key gateway from a slow engine (1 token / 100 ms):
//     gateway RSS, streams delivered in full, per-chunk delay against the engine alone; then 1,000
//     clients that stop reading, with the gateway's RSS sampled while they hang.
// Usage: npm run bench:overhead [-- --seconds 3 --rounds 3 --half-rounds 2 --concurrency 64 --streams 10000 --ramp 1000
//        --quick --only bare,open,sqlite,pg,workers,portkey --no-streams --streams-only --extras
//        --gateway-flags="--cpu-prof --cpu-prof-dir=/tmp/prof" --log-level warn --no-access-log]
// The 2-worker gateways (--workers 2) run in the first table only; their CPU is the primary's plus the workers'.
// --quick: 1 round of 2 s, 2,000 streams. --extras: the translated APIs (Responses, Messages) and tracing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createKey } from '../test/support/admin-keys.js';
import { POSTGRES_URL, REDIS_URL, dropSchema, uniqueName } from '../test/store/services.js';
import { cpuMs, freePort, maxNofile, treeCpuMs, rssMb, runLoadgen, startChild, startProcess } from './support/child-processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = import.meta.resolve('tsx');
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    'half-rounds': { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    streams: { type: 'string', default: '10000' },
    ramp: { type: 'string', default: '1000' },
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-streams': { type: 'boolean', default: false },
    'streams-only': { type: 'boolean', default: false },
    extras: { type: 'boolean', default: false },
    'gateway-flags': { type: 'string', default: '' },
    'log-level': { type: 'string', default: 'info' },
    'no-access-log': { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const seconds = quick ? 2 : Number(values.seconds);
const rounds = quick ? 1 : Number(values.rounds);
const halfRounds = quick ? 1 : Number(values['half-rounds']);
const concurrency = Number(values.concurrency);
const manyStreams = quick ? 2_000 : Number(values.streams);
const only = values.only?.split(',');
const gatewayFlags = values['gateway-flags'].split(' ').filter(Boolean);
const MASTER = 'sk-bench-master-0123456789';
const PATH = '/v1/chat/completions';

interface Target {
  readonly id: string;
  readonly label: string;
  readonly url: string;
  readonly pid?: number | undefined;
  readonly key?: string | undefined;
  readonly headers?: Record<string, string> | undefined;
  /** Why it cannot serve streams, when it cannot. */
  streamFailure?: string;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (xs: number[], digits = 0): string => (xs.length > 1 ? ` (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})` : '');

// As deployed: log_level info, so the access log writes one line per request (--log-level warn for without).
const logLevel = values['log-level'];
const accessLog = values['no-access-log'] ? 'access_log: false\n' : '';

function gatewayYaml(dir: string, name: string, up: number, extra: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `log_level: ${logLevel}\n${accessLog}data_dir: ${join(dir, name)}\nhealth: { interval_ms: 60000 }\n${extra}backends:\n  up: { kind: vllm, url: http://127.0.0.1:${up}, max_connections: 12000 }\nmodels:\n  - name: bench-model\n    deployments: [ { backend: up, model: org/Bench-Model-8B-Instruct } ]\n    price: { input: 0.1, output: 0.3 }\n`,
  );
  return file;
}

const gateways: ChildProcess[] = [];

async function gateway(cfg: string, nofile?: number, workers = 1): Promise<{ url: string; pid: number }> {
  const port = await freePort();
  const argv = [process.execPath, ...gatewayFlags, join(root, 'bin/relais'), 'serve', '--config', cfg, '--listen', `127.0.0.1:${port}`, '--workers', String(workers)];
  const child = await startProcess(argv, 'listening', nofile ? { nofile } : {});
  gateways.push(child);
  // With workers, the primary prints `listening` once every worker listens.
  return { url: `http://127.0.0.1:${port}`, pid: child.pid ?? 0 };
}

/** A key as shared services give them: a budget, rpm and tpm limits (far above this load, so all are checked, none refuses). */
const userKey = (url: string): Promise<{ key: string }> => createKey(url, MASTER, { name: 'bench-user', budget: 1e9, budget_period: 'monthly', rpm: 100_000_000, tpm: 1_000_000_000_000 });

const fmtMs = (ms: number): string => `${ms >= 0 ? '+' : ''}${ms.toFixed(2)}`;

async function maxRate(targets: Target[], stream: boolean): Promise<Map<string, { rps: number[]; ratio: number[]; p50: number[]; p99: number[]; cpu: number[]; errors: number }>> {
  const out = new Map<string, { rps: number[]; ratio: number[]; p50: number[]; p99: number[]; cpu: number[]; errors: number }>();
  for (const t of targets) out.set(t.id, { rps: [], ratio: [], p50: [], p99: [], cpu: [], errors: 0 });
  for (let round = 0; round < rounds; round++) {
    let bare: number | undefined;
    for (const t of targets) {
      if (stream && t.streamFailure) continue;
      const cpu0 = t.pid ? treeCpuMs(t.pid) : 0;
      const r = await runLoadgen(t.url + PATH, { stream, seconds, concurrency, key: t.key, headers: t.headers });
      const o = out.get(t.id)!;
      if (t.id === 'bare') bare = r.rps;
      if (r.count === 0 && stream) {
        t.streamFailure = `no stream answered (${r.errors} errors)`;
        continue;
      }
      o.rps.push(r.rps);
      o.p50.push(r.p50_ms);
      o.p99.push(r.p99_ms);
      o.errors += r.errors;
      if (t.pid) o.cpu.push(((treeCpuMs(t.pid) - cpu0) * 1000) / (r.count + concurrency));
      if (bare !== undefined) o.ratio.push(r.rps / bare);
    }
  }
  return out;
}

function printMax(targets: Target[], stream: boolean, res: Awaited<ReturnType<typeof maxRate>>): void {
  console.log(`\n${stream ? 'streaming (100 chunks)' : 'non-streaming'} — concurrency ${concurrency}, ${seconds} s × ${rounds} round(s), median (min–max)`);
  console.log(`  ${'target'.padEnd(30)} ${'req/s'.padStart(20)}  ${'of bare'.padStart(16)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  gateway CPU/req`);
  for (const t of targets) {
    const o = res.get(t.id)!;
    if (o.rps.length === 0) {
      console.log(`  ${t.label.padEnd(30)} did not run: ${t.streamFailure ?? 'no answer'}`);
      continue;
    }
    const ratio = t.id === 'bare' ? '' : `${(median(o.ratio) * 100).toFixed(0)}%${spread(o.ratio.map((x) => x * 100))}`;
    const rps = `${median(o.rps).toFixed(0)}${spread(o.rps)}`;
    const cpu = o.cpu.length ? `${median(o.cpu).toFixed(0)} µs${spread(o.cpu)}` : '';
    console.log(`  ${t.label.padEnd(30)} ${rps.padStart(20)}  ${ratio.padStart(16)}  ${median(o.p50).toFixed(2).padStart(7)}  ${median(o.p99).toFixed(2).padStart(7)}  ${cpu}${o.errors ? `  errors ${o.errors}` : ''}`);
  }
}

/**
 * Latency each target adds to the engine alone, at `rate` req/s, or at the target's own rate when it
 * has one (PostgreSQL + Redis: half of its own maximum, which is below the SQLite key's); each rate has
 * its own engine-alone baseline in the same round.
 */
async function halfLoad(direct: Target, targets: Target[], rate: number, stream: boolean, ownRate: ReadonlyMap<string, number>): Promise<void> {
  const rateOf = (t: Target): number => ownRate.get(t.id) ?? rate;
  const rates = [...new Set(targets.map(rateOf))];
  const added = new Map<string, { p50: number[]; p99: number[] }>();
  for (const t of targets) added.set(t.id, { p50: [], p99: [] });
  const base = new Map<number, { p50: number[]; p99: number[] }>(rates.map((r) => [r, { p50: [], p99: [] }]));
  for (let round = 0; round < halfRounds; round++) {
    for (const r of rates) {
      const d = await runLoadgen(direct.url + PATH, { stream, seconds, concurrency, rate: r });
      base.get(r)!.p50.push(d.p50_ms);
      base.get(r)!.p99.push(d.p99_ms);
      for (const t of targets.filter((x) => rateOf(x) === r)) {
        const res = await runLoadgen(t.url + PATH, { stream, seconds, concurrency, rate: r, key: t.key, headers: t.headers });
        added.get(t.id)!.p50.push(res.p50_ms - d.p50_ms);
        added.get(t.id)!.p99.push(res.p99_ms - d.p99_ms);
      }
    }
  }
  const b = base.get(rate) ?? { p50: [0], p99: [0] };
  console.log(`\n${stream ? 'streaming' : 'non-streaming'} at ${rate} req/s (half of relais with a user key on SQLite): latency added to the engine alone (p50 ${median(b.p50).toFixed(2)} ms, p99 ${median(b.p99).toFixed(2)} ms), median (min–max) of ${halfRounds}`);
  for (const t of targets) {
    const a = added.get(t.id)!;
    const own = rateOf(t) === rate ? '' : `  (at ${rateOf(t)} req/s, half of its own maximum)`;
    console.log(`  ${t.label.padEnd(30)} p50 ${fmtMs(median(a.p50)).padStart(7)} ms${spread(a.p50, 2).padEnd(18)}  p99 ${fmtMs(median(a.p99)).padStart(7)} ms${spread(a.p99, 2)}${own}`);
  }
}

interface StreamsResult {
  opened: number;
  completed: number;
  peak_open: number;
  chunks: number;
  expected: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  failures: Record<string, number>;
}

function streamsClient(url: string, n: number, tokens: number, mode: 'read' | 'stall', holdSeconds: number, nofile: number, key?: string, pad = 0): Promise<StreamsResult> {
  const script = join(root, 'bench/support/streams-client.ts');
  const args = ['-c', `ulimit -n ${nofile} && exec "$@"`, 'sh', process.execPath, '--import', tsx, script, url + PATH, String(n), String(tokens), mode, String(holdSeconds), String(pad), values.ramp];
  const child = spawn('/bin/sh', args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...(key ? { RELAIS_BENCH_KEY: key } : {}) } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => {
      try {
        resolve(JSON.parse(out) as StreamsResult);
      } catch {
        reject(new Error(`streams client exited (${code ?? signal}) and printed: ${out}`));
      }
    });
  });
}

/** Peak RSS of a process while `work` runs (sampled every 250 ms), and samples at each second for the stall run. */
async function sampled<T>(pid: number, work: Promise<T>): Promise<{ result: T; peak: number; samples: number[] }> {
  let peak = rssMb(pid);
  const samples: number[] = [];
  let ticks = 0;
  const timer = setInterval(() => {
    const m = rssMb(pid);
    peak = Math.max(peak, m);
    if (++ticks % 4 === 0) samples.push(m);
  }, 250);
  try {
    return { result: await work, peak, samples };
  } finally {
    clearInterval(timer);
  }
}

async function streamsRun(dir: string): Promise<void> {
  const want = manyStreams * 2 + 1_000;
  const nofile = maxNofile(Math.max(want, 4_096));
  const n = nofile >= want ? manyStreams : Math.floor((nofile - 1_000) / 2);
  // Streams open at `ramp` a second and each lasts 5 s past the end of the ramp, so all n are open together.
  const ramp = Number(values.ramp);
  const tokens = 50 + Math.ceil(n / ramp) * 10;
  const slowPort = await freePort();
  const engine = await startChild([join(root, 'bench/support/slow-upstream.ts'), String(slowPort), String(tokens)], 'ready', { nofile });
  const gw = await gateway(gatewayYaml(dir, 'streams', slowPort, `master_key: ${MASTER}\n`), nofile);
  const { key } = await userKey(gw.url);
  console.log(`\n${n.toLocaleString('en')} concurrent streams opened at ${ramp.toLocaleString('en')} a second, ${tokens} tokens each at 1 token / 100 ms (user key on SQLite; open-file limit ${nofile}${n < manyStreams ? `: too low for ${manyStreams.toLocaleString('en')}, which need ${want}` : ''})`);
  // CPU per chunk delivered: what each relayed token costs the engine alone, and the gateway on top of it.
  const perChunk = (pid: number, ms0: number, chunks: number): string => `${(((treeCpuMs(pid) - ms0) * 1000) / Math.max(1, chunks)).toFixed(0)} µs`;
  const engineMs0 = treeCpuMs(engine.pid ?? 0);
  const engineAlone = await streamsClient(`http://127.0.0.1:${slowPort}`, n, tokens, 'read', 0, nofile);
  const engineCost = perChunk(engine.pid ?? 0, engineMs0, engineAlone.chunks);
  const idle = rssMb(gw.pid);
  const gwMs0 = treeCpuMs(gw.pid);
  const through = await sampled(gw.pid, streamsClient(gw.url, n, tokens, 'read', 0, nofile, key));
  const r = through.result;
  const gwCost = perChunk(gw.pid, gwMs0, r.chunks);
  console.log(
    `  engine alone   delivered ${engineAlone.completed}/${n} in full${engineAlone.errors ? ` (errors ${JSON.stringify(engineAlone.failures)})` : ''}, ${engineAlone.peak_open} open at once at the peak,` +
      ` chunk delay p50 ${engineAlone.p50_ms.toFixed(2)} ms, p99 ${engineAlone.p99_ms.toFixed(2)} ms; engine CPU ${engineCost} per chunk`,
  );
  console.log(
    `  through relais delivered ${r.completed}/${n} in full (${r.chunks}/${r.expected} chunks, ${r.errors} errors${r.errors ? ` ${JSON.stringify(r.failures)}` : ''}), ${r.peak_open} open at once at the peak,` +
      ` chunk delay p50 ${r.p50_ms.toFixed(2)} ms, p99 ${r.p99_ms.toFixed(2)} ms, max ${r.max_ms.toFixed(1)} ms` +
      ` → added p50 ${fmtMs(r.p50_ms - engineAlone.p50_ms)} ms, p99 ${fmtMs(r.p99_ms - engineAlone.p99_ms)} ms; gateway RSS ${idle.toFixed(0)} MB idle, ${through.peak.toFixed(0)} MB peak; gateway CPU ${gwCost} per chunk`,
  );
  // Clients that stop reading: 16 KiB tokens fill their sockets within seconds; the gateway must hold back.
  const stalled = Math.min(1_000, n);
  const hold = quick ? 10 : 20;
  const before = rssMb(gw.pid);
  const s = await sampled(gw.pid, streamsClient(gw.url, stalled, 100_000, 'stall', hold, nofile, key, 16_384).catch((err: unknown) => err as Error));
  if (s.result instanceof Error) console.log(`  stalled clients: ${s.result.message}`);
  const unbounded = (stalled * 16_384 * 10 * hold) / 2 ** 20;
  console.log(
    `  ${stalled} clients that stop reading (16 KiB tokens, held ${hold} s; ${unbounded.toFixed(0)} MB if buffered without bound): gateway RSS ${before.toFixed(0)} MB before, ${s.peak.toFixed(0)} MB peak; each second: ${s.samples.map((x) => x.toFixed(0)).join(' ')}`,
  );
}

/** An OTLP/HTTP receiver that counts and discards spans (the collector of the tracing run). */
async function otlpSink(): Promise<{ url: string; spans: () => number }> {
  let spans = 0;
  const server = createServer((req, res) => {
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

/** --extras: the same 100-chunk stream translated to Responses and Messages, and a gateway tracing every request. */
async function extras(dir: string, up: number, open: Target): Promise<void> {
  const apis = [['chat', PATH], ['responses', '/v1/responses'], ['messages', '/v1/messages']] as const;
  console.log('\nstreaming (100 chunks) through relais open, by client API (median of interleaved rounds; gateway CPU per request)');
  const runs: Record<string, { rps: number; cpu: number }[]> = { chat: [], responses: [], messages: [] };
  for (const [api, p] of apis.slice(1)) await runLoadgen(open.url + p, { stream: true, seconds, concurrency, api });
  for (let round = 0; round < Math.max(rounds, 1); round++) {
    for (const [api, p] of apis) {
      const cpu0 = cpuMs(open.pid ?? 0);
      const r = await runLoadgen(open.url + p, { stream: true, seconds, concurrency, api });
      runs[api]!.push({ rps: r.rps, cpu: ((cpuMs(open.pid ?? 0) - cpu0) * 1000) / (r.count + concurrency) });
    }
  }
  const chat = runs.chat!;
  for (const [api] of apis) {
    const rps = median(runs[api]!.map((x) => x.rps));
    const cpu = median(runs[api]!.map((x) => x.cpu));
    const vs = api === 'chat' ? '' : `   → ${((rps / median(chat.map((x) => x.rps))) * 100).toFixed(0)}% of the chat stream rate, ${((median(chat.map((x) => x.cpu)) / cpu) * 100).toFixed(0)}% by CPU`;
    console.log(`  ${api.padEnd(12)} ${rps.toFixed(0).padStart(7)} req/s   cpu ${cpu.toFixed(0).padStart(5)} µs/req${vs}`);
  }
  const sink = await otlpSink();
  const traced = await gateway(gatewayYaml(dir, 'traced', up, `tracing: { endpoint: "${sink.url}", sample: 1 }\n`));
  for (const stream of [false, true]) {
    const cpu0 = cpuMs(open.pid ?? 0);
    const a = await runLoadgen(open.url + PATH, { stream, seconds, concurrency });
    const cpuA = ((cpuMs(open.pid ?? 0) - cpu0) * 1000) / (a.count + concurrency);
    const cpu1 = cpuMs(traced.pid);
    const b = await runLoadgen(traced.url + PATH, { stream, seconds, concurrency });
    const cpuB = ((cpuMs(traced.pid) - cpu1) * 1000) / (b.count + concurrency);
    console.log(`  tracing every request, ${stream ? 'streaming' : 'non-streaming'}: ${b.rps.toFixed(0)} vs ${a.rps.toFixed(0)} req/s untraced; cpu ${cpuB.toFixed(0)} vs ${cpuA.toFixed(0)} µs/req`);
  }
  console.log(`  spans received by the OTLP receiver: ${sink.spans()}`);
}

async function portkey(up: number): Promise<Target> {
  const port = await freePort();
  const entry = join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  // Quiet: it logs a stack trace for each failed stream.
  await startProcess([process.execPath, entry, `--port=${port}`], 'Ready for connections', { quiet: true });
  return {
    id: 'portkey',
    label: 'Portkey 1.15 (no keys)',
    url: `http://127.0.0.1:${port}`,
    headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `http://127.0.0.1:${up}/v1`, authorization: 'Bearer sk-bench' },
  };
}

/**
 * Why Portkey cannot relay a stream, if it cannot. 1.15.2 on Node 20 answers every stream with
 * {"status":"failure","message":"Something went wrong"} and logs "TypeError: immutable": its response
 * handler appends headers to the fetch Response it relays, whose headers Node's fetch makes immutable.
 * Nothing about it needs the network; its non-streaming path works.
 */
async function portkeyStream(t: Target): Promise<string | undefined> {
  const r = await fetch(t.url + PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...t.headers },
    body: JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 100, stream: true }),
  });
  const text = await r.text();
  if (r.status === 200 && text.includes('[DONE]')) return undefined;
  return `Portkey answered a stream with ${r.status} ${text.slice(0, 80)} (on Node ${process.version} it appends headers to the fetch Response it relays, whose headers are immutable)`;
}

async function main(): Promise<void> {
  if (values['streams-only']) {
    await streamsRun(mkdtempSync(join(tmpdir(), 'relais-bench-')));
    await stopGateways();
    process.exit(0);
  }
  const want = (id: string): boolean => !only || only.includes(id);
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
  const up = await freePort();
  const upChild = await startChild([join(root, 'bench/support/fast-upstream.ts'), String(up)], 'ready');
  const direct: Target = { id: 'direct', label: 'engine alone', url: `http://127.0.0.1:${up}` };
  const targets: Target[] = [];
  const px = await freePort();
  await startChild([join(root, 'bench/support/bare-proxy.ts'), String(px), `http://127.0.0.1:${up}`], 'ready');
  targets.push({ id: 'bare', label: 'bare undici proxy', url: `http://127.0.0.1:${px}` });
  let open: Target | undefined;
  if (want('open')) {
    const g = await gateway(gatewayYaml(dir, 'open', up, ''));
    open = { id: 'open', label: 'relais open (no keys)', ...g };
    targets.push(open);
  }
  if (want('sqlite')) {
    const g = await gateway(gatewayYaml(dir, 'sqlite', up, `master_key: ${MASTER}\n`));
    targets.push({ id: 'sqlite', label: 'relais user key, SQLite', ...g, key: (await userKey(g.url)).key });
  }
  const schemas = [uniqueName('relais_bench_overhead'), uniqueName('relais_bench_overhead')];
  const pgExtra = (schema: string): string => `master_key: ${MASTER}\nstore: { kind: postgres, url: "${POSTGRES_URL}", schema: ${schema} }\nredis: { url: "${REDIS_URL}", prefix: ${uniqueName('relais_bench')} }\n`;
  if (want('pg')) {
    const g = await gateway(gatewayYaml(dir, 'pg', up, pgExtra(schemas[0]!)));
    targets.push({ id: 'pg', label: 'relais user key, PG + Redis', ...g, key: (await userKey(g.url)).key });
  }
  // --workers 2: limits through the primary (SQLite) or through Redis (PostgreSQL + Redis).
  if (want('workers') && want('sqlite')) {
    const g = await gateway(gatewayYaml(dir, 'sqlite2', up, `master_key: ${MASTER}\n`), undefined, 2);
    targets.push({ id: 'sqlite2', label: '  same, 2 workers (IPC limiter)', ...g, key: (await userKey(g.url)).key });
  }
  if (want('workers') && want('pg')) {
    const g = await gateway(gatewayYaml(dir, 'pg2', up, pgExtra(schemas[1]!)), undefined, 2);
    targets.push({ id: 'pg2', label: '  same, 2 workers (Redis)', ...g, key: (await userKey(g.url)).key });
  }
  if (want('portkey')) {
    try {
      targets.push(await portkey(up));
    } catch (err) {
      console.log(`Portkey could not start: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const pk = targets.find((t) => t.id === 'portkey');
  if (pk) {
    // One stream first: Portkey 1.15.2 on Node 20 fails every stream (see portkeyStream).
    const failure = await portkeyStream(pk);
    if (failure) pk.streamFailure = failure;
  }

  console.log(`Gateway overhead — ${new Date().toISOString()}, node ${process.version}, load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log('(every target is a separate process on the same cores as the load generator; compare ratios within this run)');
  // Half of the user key's own maximum, streaming and not (each mode at its own rate); PostgreSQL +
  // Redis, slower, at half of its own (at the SQLite key's rate it would be measured saturated).
  const halfRate = new Map<boolean, number>();
  const pgHalf = new Map<boolean, Map<string, number>>();
  for (const stream of [false, true]) {
    const res = await maxRate(targets, stream);
    printMax(targets, stream, res);
    const rps = res.get('sqlite')?.rps ?? res.get('open')?.rps ?? res.get('bare')!.rps;
    if (rps.length) halfRate.set(stream, Math.max(1, Math.round(median(rps) / 2)));
    const pg = res.get('pg')?.rps ?? [];
    pgHalf.set(stream, new Map(pg.length ? [['pg', Math.max(1, Math.round(median(pg) / 2))]] : []));
  }
  const relaisTargets = targets.filter((t) => ['bare', 'open', 'sqlite', 'pg'].includes(t.id));
  for (const stream of [false, true]) await halfLoad(direct, relaisTargets, halfRate.get(stream) ?? halfRate.get(false) ?? 1, stream, pgHalf.get(stream) ?? new Map());
  if (!values['no-streams']) await streamsRun(dir);
  if (values.extras && open) await extras(dir, up, open);
  // Gateways first: a PostgreSQL gateway whose schema is gone warns on every key-cache refresh.
  await stopGateways();
  if (want('pg')) for (const schema of schemas) await dropSchema(schema).catch(() => undefined);
  upChild.kill();
  process.exit(0);
}

/** SIGTERM and wait (10 s at most), so `--gateway-flags=--cpu-prof` profiles get written before the exit's SIGKILL. */
async function stopGateways(): Promise<void> {
  await Promise.all(
    gateways.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const timer = setTimeout(resolve, 10_000);
          c.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          c.kill('SIGTERM');
        }),
    ),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
