// npm run bench:drain — what SIGTERM does to keep-alive clients streaming through `relais serve`.
//  1. Streams shorter than the grace: keep-alive clients stream in a loop (each its own connection,
//     as undici keeps them); SIGTERM mid-load. Reported: time from SIGTERM to exit, streams in flight
//     and how they ended, what new requests got (503 + close, or a refused connection), usage records.
//  2. Streams longer than the grace: the same, with every stream outliving the grace. Reported: exit
//     time, streams that got an error event, records by outcome (gateway_cut expected).
// The engine is the simulator (about 100 tokens/s per stream), in this process.
// Usage: npm run bench:drain [-- --clients 16 --gateway-root /path/to/another/checkout]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { startSimFleet, type SimFleet } from '../src/sim/http/fleet.js';
import { freePort, startChild } from './support/child-processes.js';

const { values } = parseArgs({ options: { clients: { type: 'string', default: '16' }, 'gateway-root': { type: 'string' } } });
const clients = Number(values.clients);
const root = values['gateway-root'] ?? fileURLToPath(new URL('..', import.meta.url));

type Ending = 'completed' | 'error event' | 'cut without error event' | '503 shutting down' | 'connection refused' | 'connection reset' | 'other';

interface Scenario {
  readonly name: string;
  readonly graceMs: number;
  readonly maxTokens: number;
  readonly sigtermAfterMs: number;
}

async function runScenario(sim: SimFleet, s: Scenario): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-drain-'));
  const port = await freePort();
  const cfg = join(dir, 'relais.yaml');
  writeFileSync(
    cfg,
    `log_level: warn\ndata_dir: ${join(dir, 'data')}\nshutdown: { grace_ms: ${s.graceMs} }\nhealth: { interval_ms: 60000 }\n` +
      `backends:\n  sim: { kind: vllm, url: ${sim.urls[0]} }\nmodels:\n  - name: chat\n    deployments: [ { backend: sim, model: ${sim.servedModelName} } ]\n`,
  );
  const child = await startChild([join(root, 'src/cli/main.ts'), 'serve', '--config', cfg, '--listen', `127.0.0.1:${port}`], 'listening');
  const exited = new Promise<number>((r) => child.once('exit', () => r(performance.now())));
  const agent = new Agent({ connections: clients, pipelining: 1, keepAliveTimeout: 60_000 });
  const body = JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'tell me a story' }], max_tokens: s.maxTokens, stream: true });
  let sigtermAt = Infinity;
  const endings = { inFlight: new Map<Ending, number>(), after: new Map<Ending, number>() };
  const count = (m: Map<Ending, number>, e: Ending): void => void m.set(e, (m.get(e) ?? 0) + 1);
  let stop = false;

  const one = async (): Promise<void> => {
    const startedAt = performance.now();
    let ending: Ending;
    try {
      const r = await request(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, dispatcher: agent });
      const text = await r.body.text();
      if (r.statusCode === 503 && text.includes('shutting_down')) ending = '503 shutting down';
      else if (r.statusCode !== 200) ending = 'other';
      else if (text.includes('data: [DONE]')) ending = 'completed';
      else if (text.includes('"error"')) ending = 'error event';
      else ending = 'cut without error event';
    } catch (err) {
      const code = (err as { code?: string; cause?: { code?: string } }).code ?? (err as { cause?: { code?: string } }).cause?.code ?? '';
      ending = code === 'ECONNREFUSED' ? 'connection refused' : code.includes('SOCKET') || code === 'ECONNRESET' || code === 'UND_ERR_CLOSED' ? 'connection reset' : 'other';
      if (ending === 'connection refused') stop = true;
    }
    count(startedAt < sigtermAt ? endings.inFlight : endings.after, ending);
  };
  const loops = Array.from({ length: clients }, async () => {
    while (!stop) await one();
  });
  await sleep(s.sigtermAfterMs);
  sigtermAt = performance.now();
  child.kill('SIGTERM');
  const exitAt = await exited;
  stop = true;
  await Promise.all(loops);
  await agent.close();
  const db = new Database(join(dir, 'data', 'relais.db'), { readonly: true });
  const records = db.prepare('SELECT outcome, COUNT(*) AS n FROM usage GROUP BY outcome ORDER BY outcome').all() as { outcome: string; n: number }[];
  db.close();
  const show = (m: Map<Ending, number>): string => [...m].map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  console.log(`\n${s.name} (grace ${s.graceMs} ms, ${clients} keep-alive clients, streams of ${s.maxTokens} tokens)`);
  console.log(`  SIGTERM → exit: ${(exitAt - sigtermAt).toFixed(0)} ms`);
  console.log(`  streams started before SIGTERM: ${show(endings.inFlight)}`);
  console.log(`  requests sent after SIGTERM:    ${show(endings.after)}`);
  console.log(`  usage records by outcome:       ${records.map((r) => `${r.n} ${r.outcome}`).join(', ')}`);
}

const sim = await startSimFleet({ replicas: 1, servedModelName: 'sim-chat', speed: 1, seed: 3 });
console.log(`bench:drain — relais serve from ${root}`);
try {
  await runScenario(sim, { name: 'streams shorter than the grace', graceMs: 30_000, maxTokens: 150, sigtermAfterMs: 2_500 });
  await runScenario(sim, { name: 'streams longer than the grace', graceMs: 1_500, maxTokens: 3_000, sigtermAfterMs: 2_000 });
} finally {
  await sim.close();
}
