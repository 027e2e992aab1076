// Many concurrent streams against a gateway or the slow engine (bench/support/slow-upstream.ts), one
// connection each, opened in a ramp. `read` mode reads every stream to its end and measures each
// chunk's delay from the engine's stamp (same machine, same monotonic clock); `stall` mode opens the
// streams and never reads them (clients that stop reading), holding them for SECONDS.
// Usage: node --import tsx bench/support/streams-client.ts URL STREAMS TOKENS read|stall SECONDS [PAD] [OPENED_PER_SECOND]
// Prints one JSON line: { opened, completed, peak_open, chunks, expected, p50_ms, p99_ms, max_ms, errors }.
// peak_open is the most streams answered and not yet ended at one time: streams still waiting in the
// server's accept queue are not open, so a server that accepts slowly shows here, not in the delays.
import { request } from 'node:http';

const [url = '', streamsArg = '1000', tokensArg = '50', mode = 'read', secondsArg = '20', padArg = '0', rampArg = '2000'] = process.argv.slice(2);
const target = new URL(url);
const streams = Number(streamsArg);
const tokens = Number(tokensArg);
const stall = mode === 'stall';
const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: `pad:${padArg}` }], max_tokens: tokens, stream: true });
const headers: Record<string, string> = {
  'content-type': 'application/json',
  'content-length': String(Buffer.byteLength(body)),
  ...(process.env.RELAIS_BENCH_KEY ? { authorization: `Bearer ${process.env.RELAIS_BENCH_KEY}` } : {}),
};

const micros = (): number => Number(process.hrtime.bigint() / 1000n);
// Stalled clients read nothing: no room for delays (their token count is a cap, not a length).
const delays = new Float64Array(stall ? 0 : streams * tokens);
let chunks = 0;
let opened = 0;
let completed = 0;
let open = 0;
let peakOpen = 0;
let errors = 0;
/** Failures by kind: an HTTP status, a cut stream (short), a socket error. */
const failures: Record<string, number> = {};
const failed = (kind: string): void => {
  errors++;
  failures[kind] = (failures[kind] ?? 0) + 1;
};
const held: (() => void)[] = [];

function one(): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent: false }, (res) => {
      opened++;
      if (++open > peakOpen) peakOpen = open;
      res.on('close', () => open--);
      if (res.statusCode !== 200) {
        failed(String(res.statusCode));
        res.resume();
        res.on('end', resolve);
        return;
      }
      if (stall) {
        // Never read: the socket fills, and the gateway must hold back (or cut) this stream.
        res.pause();
        held.push(() => {
          req.destroy();
          resolve();
        });
        return;
      }
      let rest = '';
      let seen = 0;
      let done = false;
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        const now = micros();
        rest += d;
        let at = rest.indexOf('"content":"t');
        while (at >= 0) {
          const end = rest.indexOf(' ', at);
          if (end < 0) break;
          const stamp = Number(rest.slice(at + 12, end).replace(/x+$/, ''));
          if (chunks < delays.length) delays[chunks] = (now - stamp) / 1000;
          chunks++;
          seen++;
          rest = rest.slice(end);
          at = rest.indexOf('"content":"t');
        }
        if (rest.includes('[DONE]')) done = true;
        // Keep only what may hold the start of an unfinished event.
        const cut = rest.lastIndexOf('\n\n');
        if (cut >= 0 && at < 0) rest = rest.slice(cut + 2);
      });
      res.on('end', () => {
        if (done && seen === tokens) completed++;
        else failed(done ? 'short' : 'no [DONE]');
        resolve();
      });
      res.on('error', (err: NodeJS.ErrnoException) => {
        failed(`response ${err.code ?? err.message}`);
        resolve();
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      failed(`request ${err.code ?? err.message}`);
      resolve();
    });
    req.end(body);
  });
}

async function main(): Promise<void> {
  const all: Promise<void>[] = [];
  // Opened in a ramp, a twentieth of the rate every 50 ms, so accept queues stay short.
  const step = Math.max(1, Math.round(Number(rampArg) / 20));
  for (let i = 0; i < streams; i += step) {
    for (let j = i; j < Math.min(streams, i + step); j++) all.push(one());
    await new Promise((r) => setTimeout(r, 50));
  }
  if (stall) {
    await new Promise((r) => setTimeout(r, Number(secondsArg) * 1000));
    held.forEach((h) => h());
  }
  await Promise.all(all);
  const n = Math.min(chunks, delays.length);
  const sorted = delays.subarray(0, n).sort();
  const q = (p: number): number => sorted[Math.min(n - 1, Math.floor(p * n))] ?? NaN;
  process.stdout.write(JSON.stringify({ opened, completed, peak_open: peakOpen, chunks, expected: streams * tokens, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: sorted[n - 1] ?? NaN, errors, failures }) + '\n');
}

process.on('uncaughtException', (err) => {
  process.stderr.write(`streams client: ${err.stack ?? String(err)}\n`);
  process.exit(1);
});
void main();
