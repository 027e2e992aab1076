// npm run bench:journal — what the usage journal costs and what it saves.
//  1. record() on the hot path, without the journal, with it (fdatasync per write) and without fsync.
//  2. Gateway throughput and CPU per request (`relais serve`, SQLite store, a fast upstream,
//     non-streaming, concurrency 64) with the journal off, on, and on without fsync.
//  3. kill -9 under load: requests answered whose record is missing after the restart, journal off and on.
// Usage: npm run bench:journal [-- --seconds 5 --kills 3]
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldLoop, setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { openStore } from '../src/store/open-store.js';
import { cpuMs, freePort, runLoadgen, startChild, type LoadResult } from './support/child-processes.js';
import { createUsageWriter } from '../src/usage/batched-writer.js';
import { UsageJournal } from '../src/usage/journal.js';
import type { UsageRecord } from '../src/usage/record.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, kills: { type: 'string', default: '3' } } });
const seconds = Number(values.seconds);
const kills = Number(values.kills);
type Mode = 'off' | 'on' | 'on, no fsync';
const modes: Mode[] = ['off', 'on', 'on, no fsync'];
const journalYaml = (mode: Mode): string => `usage: { journal: ${mode !== 'off'}, journal_fsync: ${mode === 'on'} }`;

async function startGateway(dir: string, upstream: number, mode: Mode): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const cfg = join(dir, 'relais.yaml');
  writeFileSync(cfg, `log_level: error\ndata_dir: ${join(dir, 'data')}\nhealth: { interval_ms: 60000 }\n${journalYaml(mode)}\nbackends:\n  up: { kind: vllm, url: http://127.0.0.1:${upstream} }\nmodels:\n  - name: bench-model\n    deployments: [ { backend: up, model: bench-model } ]\n`);
  const child = await startChild([join(root, 'src/cli/main.ts'), 'serve', '--config', cfg, '--listen', `127.0.0.1:${port}`], 'listening');
  return { child, url: `http://127.0.0.1:${port}` };
}

const stopChild = (child: ChildProcess, signal: NodeJS.Signals): Promise<void> =>
  new Promise((r) => {
    child.removeAllListeners('exit');
    child.once('exit', () => r());
    child.kill(signal);
  });

function record(i: number): UsageRecord {
  return {
    requestId: `req-bench-${i}`, time: Date.now(), keyId: 'key_0123456789abcdef', userId: 'user_1', model: 'bench-model', endpoint: 'chat', backend: 'up',
    status: 200, outcome: 'completed', promptTokens: 12, completionTokens: 100, cachedTokens: 0, tokensEstimated: false, cost: 0.00012,
    queueMs: 0.1, ttftMs: 3.2, totalMs: 9.7, stream: false, finishReason: 'length',
  };
}

async function hotPath(mode: Mode): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-journal-'));
  const store = await openStore({ data_dir: dir });
  const journal = mode === 'off' ? undefined : new UsageJournal({ dir: join(dir, 'journal'), fsync: mode === 'on' });
  const writer = createUsageWriter(store, { journal, warn: () => undefined });
  const total = 200_000;
  let spent = 0;
  const t0 = performance.now();
  // 1,000 records per turn of the event loop (~the records of 1,000 requests), so timers and writes run between.
  for (let i = 0; i < total; i += 1_000) {
    const t = performance.now();
    for (let j = i; j < i + 1_000; j++) writer.record(record(j));
    spent += performance.now() - t;
    await yieldLoop();
  }
  await writer.close();
  const wall = (performance.now() - t0) / 1000;
  const writes = journal?.stats.writes ?? 0;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return `  journal ${mode.padEnd(13)} record() ${((spent * 1000) / total).toFixed(2).padStart(5)} µs   ${Math.round(total / wall).toLocaleString().padStart(8)} records/s end to end${writes ? `   (${writes} journal writes)` : ''}`;
}

/** Throughput, and the gateway's CPU per request: the figure a busy shared machine disturbs least. */
async function throughput(upstream: number, mode: Mode): Promise<LoadResult & { cpuUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-journal-'));
  const gw = await startGateway(dir, upstream, mode);
  const pid = gw.child.pid as number;
  const cpu0 = cpuMs(pid);
  const result = await runLoadgen(`${gw.url}/v1/chat/completions`, { stream: false, seconds, concurrency: 64 });
  const cpuUs = ((cpuMs(pid) - cpu0) * 1000) / (result.count + 64);
  await stopChild(gw.child, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  return { ...result, cpuUs };
}

/** Load with request ids, kill -9 at a random moment, restart, and count answered requests without a record. */
async function killNine(upstream: number, mode: Mode): Promise<{ answered: number; lost: number; maxAgeMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-journal-'));
  let gw = await startGateway(dir, upstream, mode);
  const pool = new Pool(gw.url, { connections: 32 });
  const answered = new Map<string, number>();
  let stop = false;
  const body = JSON.stringify({ model: 'bench-model', max_tokens: 100, messages: [{ role: 'user', content: 'Say something.' }] });
  const clients = Array.from({ length: 32 }, async (_, c) => {
    for (let i = 0; !stop; i++) {
      const id = `k9-${c}-${i}`;
      try {
        const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body });
        await res.body.text();
        if (res.statusCode === 200) answered.set(id, Date.now());
      } catch {
        return;
      }
    }
  });
  await sleep(1_500 + Math.random() * 1_500);
  const killedAt = Date.now();
  await stopChild(gw.child, 'SIGKILL');
  stop = true;
  await Promise.all(clients);
  await pool.destroy();
  gw = await startGateway(dir, upstream, mode); // replays the journal
  await stopChild(gw.child, 'SIGTERM');
  const db = new Database(join(dir, 'data', 'relais.db'), { readonly: true });
  const ids = new Set((db.prepare('SELECT request_id FROM usage').all() as { request_id: string }[]).map((r) => r.request_id));
  db.close();
  rmSync(dir, { recursive: true, force: true });
  const lost = [...answered].filter(([id]) => !ids.has(id));
  return { answered: answered.size, lost: lost.length, maxAgeMs: lost.reduce((m, [, at]) => Math.max(m, killedAt - at), 0) };
}

async function main(): Promise<void> {
  console.log(`Usage journal — ${new Date().toISOString()}\n\n1. record() on the hot path (200,000 records, SQLite store)`);
  for (const mode of modes) console.log(await hotPath(mode));

  const upstream = await freePort();
  await startChild([join(root, 'bench/support/fast-upstream.ts'), String(upstream)], 'ready');
  // Rounds alternate the modes, and the median run of each is shown: a shared machine is noisy.
  const rounds = 5;
  console.log(`\n2. Gateway throughput (relais serve, non-streaming, concurrency 64, ${seconds} s; median of ${rounds} alternating rounds)`);
  const loads = new Map<Mode, (LoadResult & { cpuUs: number })[]>(modes.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) for (const mode of modes) loads.get(mode)?.push(await throughput(upstream, mode));
  for (const mode of modes) {
    const runs = (loads.get(mode) ?? []).sort((a, b) => a.rps - b.rps);
    const r = runs[Math.floor(runs.length / 2)] as LoadResult;
    const cpu = runs.map((x) => x.cpuUs).sort((a, b) => a - b);
    console.log(
      `  journal ${mode.padEnd(13)} ${r.rps.toFixed(0).padStart(6)} req/s   p50 ${r.p50_ms.toFixed(2)} ms   p99 ${r.p99_ms.toFixed(2)} ms   (runs: ${runs.map((x) => x.rps.toFixed(0)).join(', ')} req/s)` +
        `   gateway CPU ${cpu[Math.floor(cpu.length / 2)]?.toFixed(0)} µs/request (runs: ${cpu.map((c) => c.toFixed(0)).join(', ')})`,
    );
  }

  console.log(`\n3. kill -9 under load (32 clients, killed 1.5–3 s in, ${kills} runs each)`);
  for (const mode of ['off', 'on'] as const) {
    const runs = [];
    for (let i = 0; i < kills; i++) runs.push(await killNine(upstream, mode));
    const answered = runs.reduce((s, r) => s + r.answered, 0);
    const lost = runs.reduce((s, r) => s + r.lost, 0);
    console.log(
      `  journal ${mode.padEnd(4)} answered ${answered.toLocaleString().padStart(7)}   records lost ${String(lost).padStart(5)} (${runs.map((r) => r.lost).join(', ')})` +
        `   oldest lost answer ${Math.max(...runs.map((r) => r.maxAgeMs))} ms before the kill`,
    );
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
