// Runs N fuzz cases against a fresh gateway and checks what must hold whatever the input: the process
// never exits, no 5xx but the dead backend's, every completed request answered within the hang limit,
// and afterwards the gateway serves normally. Returns the figures; formatReport prints them.
import { readFileSync } from 'node:fs';
import { seededRng } from '../../src/random/seeded-rng.js';
import { makeCase, type FuzzCase, type FuzzTarget } from './cases.js';
import { exchange } from './raw-http.js';
import { startTarget } from './target.js';

export interface FuzzOptions {
  count: number;
  seed: number;
  concurrency?: number;
  hangMs?: number;
  onProgress?(done: number, total: number): void;
}

export interface Finding {
  id: number;
  family: string;
  kind: string;
  label: string;
  what: string;
}

export interface FuzzReport {
  count: number;
  seed: number;
  seconds: number;
  requests: number;
  byStatus: Record<string, number>;
  byFamily: Record<string, number>;
  byKind: Record<string, number>;
  deadBackend5xx: number;
  halfSent: number;
  clientAborts: number;
  crashes: string[];
  gateway5xx: Finding[];
  hangs: Finding[];
  unanswered: Finding[];
  latencyMs: { p50: number; p99: number; max: number };
  errorLogLines: number;
  /** The distinct messages of the gateway's error lines (a few). */
  errorSamples: string[];
  rssMb: { before: number; after: number };
  after: { live: number; chat: number; chatText: boolean; admin: number; models: number; tags: number };
  ok: boolean;
}

const add = (m: Record<string, number>, k: string, n = 1): void => {
  m[k] = (m[k] ?? 0) + n;
};

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function afterChecks(t: FuzzTarget): Promise<FuzzReport['after']> {
  const base = `http://${t.host}:${t.port}`;
  const auth = { authorization: `Bearer ${t.masterKey}` };
  const get = async (path: string): Promise<number> => (await fetch(`${base}${path}`, { headers: auth })).status;
  const chat = await fetch(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ model: t.model, messages: [{ role: 'user', content: 'still there?' }], max_tokens: 8 }),
  });
  const body = (await chat.json()) as { choices?: { message?: { content?: unknown } }[] };
  return {
    live: await get('/health/live'),
    chat: chat.status,
    chatText: typeof body.choices?.[0]?.message?.content === 'string',
    admin: await get('/admin/keys'),
    models: await get('/v1/models'),
    tags: await get('/api/tags'),
  };
}

function finding(c: FuzzCase, what: string): Finding {
  return { id: c.id, family: c.family, kind: c.kind, label: c.label, what };
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const hangMs = o.hangMs ?? 10_000;
  const running = await startTarget();
  const t = running.target;
  const started = performance.now();
  const report: FuzzReport = {
    count: o.count, seed: o.seed, seconds: 0, requests: 0, byStatus: {}, byFamily: {}, byKind: {}, deadBackend5xx: 0, halfSent: 0, clientAborts: 0,
    crashes: [], gateway5xx: [], hangs: [], unanswered: [], latencyMs: { p50: 0, p99: 0, max: 0 }, errorLogLines: 0, errorSamples: [],
    rssMb: { before: rssMb(running.proc.pid), after: 0 }, after: { live: 0, chat: 0, chatText: false, admin: 0, models: 0, tags: 0 }, ok: false,
  };
  const latencies: number[] = [];
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < o.count && report.crashes.length === 0) {
      const index = next++;
      const c = makeCase(t, index, seededRng((o.seed * 1_000_003 + index) >>> 0));
      add(report.byFamily, c.family);
      add(report.byKind, c.kind);
      const x = await exchange({ host: t.host, port: t.port, pieces: c.pieces, pauseMs: c.pauseMs, expect: c.expect, headAt: c.headAt, timeoutMs: hangMs, abortAfterBytes: c.abortAfterBytes });
      report.requests += Math.max(1, c.expect);
      for (const [i, r] of x.responses.entries()) {
        add(report.byStatus, String(r.status));
        if (r.status >= 500) {
          if ((c.deadBackend || c.deadAt?.has(i) === true) && [502, 503, 504].includes(r.status)) report.deadBackend5xx++;
          else report.gateway5xx.push(finding(c, `${r.status} ${r.body.toString('utf8').slice(0, 300)}`));
        }
      }
      if (c.expect === 0) {
        report.halfSent++;
      } else if (c.abortAfterBytes !== undefined && x.responses.length === 0 && !x.timedOut) {
        report.clientAborts++;
      } else if (x.timedOut) {
        report.hangs.push(finding(c, `${x.responses.length}/${c.expect} answers after ${hangMs} ms`));
      } else if (x.responses.length < c.expect) {
        add(report.byStatus, 'closed without an answer', c.expect - x.responses.length);
        report.unanswered.push(finding(c, `${x.responses.length}/${c.expect} answers, then the connection closed${x.error ? ` (${x.error})` : ''}`));
      } else {
        latencies.push(x.ms);
      }
      const exit = running.exit();
      if (exit) report.crashes.push(`the gateway exited (code ${exit.code}, signal ${exit.signal}) after case ${c.id} (${c.kind} ${c.label})`);
      done++;
      o.onProgress?.(done, o.count);
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
    report.seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    report.latencyMs = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? 0 };
    if (report.crashes.length === 0) report.after = await afterChecks(t);
    report.rssMb.after = rssMb(running.proc.pid);
    const errorLines = running.lines.filter((l) => l.includes('"level":"error"'));
    report.errorLogLines = errorLines.length;
    report.errorSamples = [...new Set(errorLines.map((l) => l.replace(/"time":"[^"]*",?/, '').replace(/"requestId":"[^"]*",?/, '').slice(0, 400)))].slice(0, 8);
    const a = report.after;
    report.ok = report.crashes.length === 0 && report.gateway5xx.length === 0 && report.hangs.length === 0 && report.unanswered.length === 0 &&
      a.live === 200 && a.chat === 200 && a.chatText && a.admin === 200 && a.models === 200 && a.tags === 200;
    return report;
  } finally {
    await running.close();
  }
}

function table(m: Record<string, number>): string {
  return Object.entries(m).sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n.toLocaleString('en-US')}`).join(' · ');
}

export function formatReport(r: FuzzReport): string {
  const list = (xs: Finding[]): string => xs.slice(0, 10).map((f) => `    #${f.id} ${f.kind} ${f.label}: ${f.what}`).join('\n');
  return [
    `relais fuzz: ${r.count.toLocaleString('en-US')} cases (seed ${r.seed}), ${r.requests.toLocaleString('en-US')} requests in ${r.seconds.toFixed(1)} s — ${r.ok ? 'PASS' : 'FAIL'}`,
    `  status: ${table(r.byStatus)}`,
    `  routes: ${table(r.byFamily)}`,
    `  kinds: ${table(r.byKind)}`,
    `  crashes ${r.crashes.length} · gateway 5xx ${r.gateway5xx.length} · hangs > limit ${r.hangs.length} · closed without an answer ${r.unanswered.length}`,
    `  dead backend (configured to be unreachable) 502/503/504: ${r.deadBackend5xx} · half-sent requests (client left) ${r.halfSent} · streams the client left ${r.clientAborts}`,
    `  answered in p50 ${r.latencyMs.p50.toFixed(1)} ms · p99 ${r.latencyMs.p99.toFixed(1)} ms · max ${r.latencyMs.max.toFixed(0)} ms; gateway RSS ${r.rssMb.before} → ${r.rssMb.after} MB; error log lines ${r.errorLogLines}`,
    `  afterwards: /health/live ${r.after.live}, chat ${r.after.chat}${r.after.chatText ? ' with text' : ''}, /admin/keys ${r.after.admin}, /v1/models ${r.after.models}, /api/tags ${r.after.tags}`,
    ...(r.crashes.length ? ['  crashes:', ...r.crashes.map((c) => `    ${c}`)] : []),
    ...(r.gateway5xx.length ? ['  gateway 5xx:', list(r.gateway5xx)] : []),
    ...(r.hangs.length ? ['  hangs:', list(r.hangs)] : []),
    ...(r.unanswered.length ? ['  closed without an answer:', list(r.unanswered)] : []),
    ...(r.errorSamples.length ? ['  gateway error lines (distinct):', ...r.errorSamples.map((l) => `    ${l}`)] : []),
  ].join('\n');
}
