// The load generator's own ceiling: `relais bench` code (runBench) against a fake OpenAI server so
// fast that the client side saturates first. The server runs in a child process (its own core) and
// answers from precomputed bytes. Prints requests/s (not streamed) and SSE chunks/s (streamed).
// Usage: npm run bench:loadgen [-- --seconds 3]
import net from 'node:net';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBench } from '../src/bench/sweep.js';
import type { BenchRun, BenchSettings } from '../src/bench/run-types.js';

/** Child mode: a raw-socket HTTP/1.1 server with keep-alive and cached answers. Model 'stepped'
 * writes one SSE event to every open stream per 1 ms step, like an engine's decode steps, so each
 * event reaches the client in its own read; model 'burst' sends a whole stream in one write. */
function serve(): void {
  const streams = new Set<{ sock: net.Socket; pieces: Buffer[]; i: number }>();
  let stepping = false;
  const step = (): void => {
    for (const st of streams) {
      const piece = st.pieces[st.i++];
      if (piece && !st.sock.destroyed) st.sock.write(piece);
      if (!piece || st.i >= st.pieces.length || st.sock.destroyed) streams.delete(st);
    }
    stepping = streams.size > 0;
    if (stepping) setTimeout(step, 1);
  };
  const cache = new Map<string, Buffer[]>();
  const answer = (head: string, body: string): Buffer[] => {
    if (head.startsWith('GET /cpu')) {
      const u = process.cpuUsage();
      const json = JSON.stringify({ cpuMs: (u.user + u.system) / 1000 });
      return [Buffer.from(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(json)}\r\n\r\n${json}`)];
    }
    const stream = body.includes('"stream":true');
    const maxTokens = Number(/"max_tokens":(\d+)/.exec(body)?.[1] ?? '1');
    const chat = head.includes('/chat/completions');
    const paced = body.includes('"model":"stepped"');
    const key = `${head.slice(0, 12)}|${stream}|${maxTokens}|${chat}|${paced}`;
    const hit = cache.get(key);
    if (hit) return hit;
    let payload: string;
    const parts: string[] = [];
    let type = 'application/json';
    const usage = { prompt_tokens: 16, completion_tokens: maxTokens, total_tokens: 16 + maxTokens };
    if (head.startsWith('GET')) payload = JSON.stringify({ object: 'list', data: [{ id: 'ceiling', object: 'model' }] });
    else if (!stream) {
      const choice = chat ? { index: 0, message: { role: 'assistant', content: ' tok'.repeat(maxTokens) }, finish_reason: 'length' } : { index: 0, text: ' tok'.repeat(maxTokens) };
      payload = JSON.stringify({ id: 'x', object: 'chat.completion', choices: [choice], usage });
    } else {
      type = 'text/event-stream';
      for (let i = 0; i < maxTokens; i++) {
        const choice = chat ? { index: 0, delta: { content: ' tok' }, finish_reason: null } : { index: 0, text: ' tok' };
        parts.push(`data: ${JSON.stringify({ id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 0, model: 'ceiling', choices: [choice] })}\n\n`);
      }
      parts.push(`data: ${JSON.stringify({ id: 'chatcmpl-x', choices: [], usage })}\n\n`, 'data: [DONE]\n\n');
      payload = parts.join('');
    }
    const header = `HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n\r\n`;
    const pieces = paced && parts.length > 0 ? [header + (parts[0] ?? ''), ...parts.slice(1)].map((x) => Buffer.from(x)) : [Buffer.from(header + payload)];
    cache.set(key, pieces);
    return pieces;
  };
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    let pending: Buffer | null = null;
    sock.on('data', (d: Buffer) => {
      let buf: Buffer = pending ? Buffer.concat([pending, d]) : d;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buf.toString('latin1', 0, end);
        const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
        if (buf.length < end + 4 + len) break;
        const pieces = answer(head, buf.toString('utf8', end + 4, end + 4 + len));
        if (pieces.length === 1 && pieces[0]) sock.write(pieces[0]);
        else {
          streams.add({ sock, pieces, i: 0 });
          if (!stepping) {
            stepping = true;
            setTimeout(step, 1);
          }
        }
        buf = buf.subarray(end + 4 + len);
      }
      pending = buf.length > 0 ? buf : null;
    });
    sock.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    if (addr && typeof addr === 'object') process.stdout.write(`${addr.port}\n`);
  });
}

function settings(concurrency: number, requests: number, stream: boolean, maxTokens: number): BenchSettings {
  return {
    mode: 'concurrency', concurrency: [concurrency], rates: [], promptTokens: [16], output: { kind: 'fixed', tokens: maxTokens },
    requestsPerCell: requests, warmupPerCell: Math.ceil(requests / 10), workload: { kind: 'random' }, stream, ignoreEos: false,
    temperature: 0, seed: 1, timeoutMs: 30_000, cellTimeoutMs: 120_000, maxErrorRate: 0, maxConcurrency: null,
  };
}

async function serverCpuMs(port: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/cpu`);
  return ((await res.json()) as { cpuMs: number }).cpuMs;
}

interface Measure {
  concurrency: number;
  perSecond: number;
  loadgenCpu: number;
  serverCpu: number;
  /** SSE events per network read (1 = every event read on its own). */
  eventsPerRead: number;
}

async function measure(port: number, concurrency: number, requests: number, stream: boolean, maxTokens: number, model = 'burst'): Promise<Measure> {
  const cpu0 = await serverCpuMs(port);
  const t0 = performance.now();
  const run: BenchRun = await runBench({ url: `http://127.0.0.1:${port}`, model, endpoint: 'chat', calibrate: false, settings: settings(concurrency, requests, stream, maxTokens) });
  const wall = performance.now() - t0;
  const serverCpu = ((await serverCpuMs(port)) - cpu0) / wall;
  const cell = run.cells[0];
  if (!cell || cell.status !== 'ok' || !cell.summary) throw new Error(`ceiling cell failed: ${cell?.reason ?? 'no cell'}`);
  const chunks = cell.samples.reduce((n, s) => n + (s.warmup ? 0 : s.chunks), 0);
  const perSecond = stream ? chunks / cell.summary.durationS : cell.summary.requestThroughput;
  // Events read together share a timestamp: a zero gap means no new read.
  const reads = cell.samples.reduce((n, s) => n + 1 + (s.itlMs ?? []).filter((g) => g > 0).length, 0);
  const all = cell.samples.reduce((n, s) => n + s.chunks, 0);
  return { concurrency, perSecond, loadgenCpu: cell.loadgen?.cpuFraction ?? 0, serverCpu, eventsPerRead: stream ? all / reads : 1 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { serve: { type: 'boolean' }, seconds: { type: 'string', default: '3' } } });
  if (values.serve) return serve();
  const seconds = Number(values.seconds);
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  try {
    const report = (label: string, unit: string, rows: Measure[]): number => {
      console.log(label);
      for (const r of rows) console.log(`  concurrency ${String(r.concurrency).padStart(4)}: ${r.perSecond.toFixed(0).padStart(7)} ${unit} · load generator CPU ${(r.loadgenCpu * 100).toFixed(0)}% · server CPU ${(r.serverCpu * 100).toFixed(0)}%${r.eventsPerRead > 1 ? ` · ${r.eventsPerRead.toFixed(1)} events per read` : ''}`);
      return Math.max(...rows.map((r) => r.perSecond));
    };
    // A short pass sizes the real one to about `seconds` per cell.
    const probe = await measure(port, 32, 500, false, 1);
    const nonStream: Measure[] = [];
    for (const c of [16, 64, 256]) nonStream.push(await measure(port, c, Math.max(1000, Math.round(probe.perSecond * seconds)), false, 1));
    const streamed = async (model: string, levels: number[]): Promise<Measure[]> => {
      const out: Measure[] = [];
      const chunkProbe = await measure(port, 32, 50, true, 256, model);
      for (const c of levels) out.push(await measure(port, c, Math.max(2 * c, Math.round((chunkProbe.perSecond * seconds) / 256)), true, 256, model));
      return out;
    };
    const rps = report('not streamed (max_tokens 1):', 'req/s', nonStream);
    const stepped = await streamed('stepped', [64, 128, 256, 512]);
    report('streamed, one event per stream per 1 ms step (256 chunks per request):', 'chunks/s', stepped);
    // Past the point where reads coalesce, token timestamps get coarse: that point is the ceiling.
    const paced = Math.max(0, ...stepped.filter((m) => m.eventsPerRead <= 1.5).map((m) => m.perSecond));
    const burst = report('streamed, whole stream in one write:', 'chunks/s', await streamed('burst', [16, 64, 256]));
    console.log(`\nceiling: ${rps.toFixed(0)} req/s not streamed; ${paced.toFixed(0)} chunks/s streamed with about one event per read (${burst.toFixed(0)} chunks/s when whole streams arrive together) — node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
  } finally {
    child.kill();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
});
