// Load generator process for the overhead benchmark: closed loop at a concurrency, or paced at a rate.
// Usage: node --import tsx bench/support/loadgen.ts URL STREAM(0|1) SECONDS CONCURRENCY [RATE]
// LOADGEN_API=chat (default) | responses | messages picks the request body for the URL's API; LOADGEN_HEADERS adds headers (JSON).
// Prints one JSON line: { rps, p50_ms, p99_ms, count, errors }.
import { Pool } from 'undici';

const [url = '', streamArg = '0', secondsArg = '5', concArg = '64', rateArg] = process.argv.slice(2);
const target = new URL(url);
const stream = streamArg === '1';
const seconds = Number(secondsArg);
const concurrency = Number(concArg);
const rate = rateArg ? Number(rateArg) : undefined;
const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1 });
const bodies: Record<string, object> = {
  chat: { model: 'bench-model', messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 100, stream },
  responses: { model: 'bench-model', input: 'Say something.', max_output_tokens: 100, stream, store: false },
  messages: { model: 'bench-model', messages: [{ role: 'user', content: 'Say something.' }], max_tokens: 100, stream },
};
const body = JSON.stringify(bodies[process.env.LOADGEN_API ?? 'chat'] ?? bodies.chat);
// An API key for gateways with keys (bench:scaleout), and any other headers (Portkey's routing ones) as JSON, from the environment.
const headers: Record<string, string> = {
  'content-type': 'application/json',
  ...(process.env.RELAIS_BENCH_KEY ? { authorization: `Bearer ${process.env.RELAIS_BENCH_KEY}` } : {}),
  ...(JSON.parse(process.env.LOADGEN_HEADERS ?? '{}') as Record<string, string>),
};
const latencies: number[] = [];
let errors = 0;

async function one(): Promise<void> {
  const t0 = performance.now();
  try {
    const res = await pool.request({ path: target.pathname, method: 'POST', headers, body });
    for await (const _ of res.body) {
      // drain
    }
    if (res.statusCode !== 200) errors++;
    else latencies.push(performance.now() - t0);
  } catch {
    errors++;
  }
}

async function main(): Promise<void> {
  // Warm-up: connections and JIT, excluded from the numbers.
  await Promise.all(Array.from({ length: concurrency }, () => one()));
  latencies.length = 0;
  errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  if (rate === undefined) {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) await one();
      }),
    );
  } else {
    // Paced on a 1 ms tick: each tick sends what the schedule owes, so timer granularity does not bunch requests.
    const pending: Promise<void>[] = [];
    let sent = 0;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) * rate) / 1000);
      for (; sent < due; sent++) pending.push(one());
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
  }
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  process.stdout.write(JSON.stringify({ rps: latencies.length / elapsed, p50_ms: q(0.5), p99_ms: q(0.99), count: latencies.length, errors }) + '\n');
  await pool.close();
}

void main();
