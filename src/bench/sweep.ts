// A whole bench run: read /v1/models, calibrate prompt sizes, then run every cell of the grid
// (or the rate probes of --find-max). A failed cell is recorded as n/a and the sweep goes on.
import os from 'node:os';
import { Pool } from 'undici';
import type { BenchCell, BenchRun, BenchSettings, CellKey, FindMaxResult, PromptCalibration } from './run-types.js';
import { benchRunFormat } from './run-types.js';
import { apiLocation } from './endpoint-url.js';
import { fetchModels } from './models-info.js';
import { calibrate, sizerFrom, wordPerToken, type PromptSizer } from './calibration.js';
import { sendRequest, type SendOptions } from './send-request.js';
import { negotiateFeatures } from './negotiate-features.js';
import { cellWorkload } from './workloads.js';
import { loadJsonlPrompts, type FilePrompt } from './jsonl-prompts.js';
import { runCell, type CellPlan } from './run-cell.js';
import { loadgenCeiling, loadgenWarnings } from './loadgen-limits.js';
import { seededRng } from '../random/seeded-rng.js';
import { expectedProbes, searchMaxRate } from './find-max.js';

export interface SweepProgress {
  cellsDone: number;
  cellsTotal: number;
  requestsDone: number;
  requestsTotal: number;
  inFlight: number;
  cell?: CellKey;
}

export interface SweepOptions {
  url: string;
  /** Taken from /v1/models when absent. */
  model?: string;
  apiKey?: string;
  endpoint: 'chat' | 'completions';
  settings: BenchSettings;
  /** Map prompt sizes to the server's tokenizer with two probe requests (default true). */
  calibrate?: boolean;
  toolVersion?: string;
  /** Ends the sweep early (Ctrl-C): the current cell is n/a, later cells are not run, the rest is kept. */
  signal?: AbortSignal;
  onProgress?(p: SweepProgress): void;
  onCell?(cell: BenchCell): void;
}

/** A run that cannot start (bad key, no model): the CLI prints the message and exits 1. */
export class BenchError extends Error {}

function plannedKeys(s: BenchSettings): CellKey[] {
  const keys: CellKey[] = [];
  if (s.mode === 'concurrency') for (const c of s.concurrency) for (const p of s.promptTokens) keys.push({ concurrency: c, rate: null, promptTokens: p });
  if (s.mode === 'rate') for (const r of s.rates) for (const p of s.promptTokens) keys.push({ concurrency: null, rate: r, promptTokens: p });
  return keys;
}

export async function runBench(o: SweepOptions): Promise<BenchRun> {
  const s = o.settings;
  const date = new Date().toISOString();
  const loc = apiLocation(o.url);
  const headers: Record<string, string> = o.apiKey ? { authorization: `Bearer ${o.apiKey}` } : {};
  const connections = s.mode === 'concurrency' ? Math.max(...s.concurrency) + 1 : (s.maxConcurrency ?? undefined);
  // One connection per request in flight: HTTP/1.1 streams cannot share a connection.
  const pool = new Pool(loc.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: s.timeoutMs, bodyTimeout: s.timeoutMs });
  const warnings: string[] = [];
  try {
    const models = await fetchModels(pool, loc.basePath, headers);
    // A refused key fails every request: say so at once rather than measure a grid of 401s.
    if (models.status === 401 || models.status === 403) {
      throw new BenchError(`${loc.basePath}/models refused the request (${models.error ?? `HTTP ${models.status}`}): give the endpoint's key with --api-key or OPENAI_API_KEY`);
    }
    if (models.error) warnings.push(`/v1/models: ${models.error}`);
    const model = o.model ?? models.ids[0];
    if (model === undefined) {
      throw new BenchError(models.error ? `no --model given and ${loc.basePath}/models failed: ${models.error}` : `no --model given and ${loc.basePath}/models lists none`);
    }
    const send: Omit<SendOptions, 'signal' | 'keepText'> = {
      basePath: loc.basePath,
      endpoint: o.endpoint,
      model,
      stream: s.stream,
      ignoreEos: s.ignoreEos,
      temperature: s.temperature,
      headers,
    };
    const probeOptions = (): SendOptions => ({ ...send, stream: false, signal: AbortSignal.timeout(s.timeoutMs), keepText: false });
    warnings.push(...(await negotiateFeatures(pool, send, probeOptions)));

    let calibration: PromptCalibration | undefined;
    let sizer: PromptSizer = wordPerToken;
    if (s.workload.kind !== 'jsonl' && o.calibrate !== false) {
      const largest = Math.max(0, ...s.promptTokens.map((p) => p ?? 0), s.workload.kind === 'shared-prefix' ? s.workload.prefixTokens : 0);
      const c = await calibrate((req) => sendRequest(pool, req, probeOptions()), o.endpoint, largest);
      if (c) {
        calibration = c;
        sizer = sizerFrom(c);
      } else warnings.push('prompt sizes not calibrated (no usage from the server): one word is taken as one token');
    }
    const filePrompts: FilePrompt[] | undefined = s.workload.kind === 'jsonl' ? loadJsonlPrompts(s.workload.file) : undefined;

    const cells: BenchCell[] = [];
    const perCell = s.requestsPerCell + s.warmupPerCell;
    const keys = plannedKeys(s);
    const cellsTotal = s.mode === 'find-max' ? expectedProbes * s.promptTokens.length : keys.length;
    let requestsDone = 0;
    let cellIndex = 0;
    const run = async (key: CellKey, requests = s.requestsPerCell): Promise<BenchCell> => {
      const rng = seededRng(s.seed + cellIndex * 7919);
      const plan: CellPlan = { key, requests, warmup: s.warmupPerCell };
      const workload = cellWorkload({ spec: s.workload, promptTokens: key.promptTokens, endpoint: o.endpoint, sizer, output: s.output, rng, filePrompts });
      const base = { cellsDone: cellIndex, cellsTotal, requestsTotal: cellsTotal * perCell, cell: key };
      o.onProgress?.({ ...base, requestsDone, inFlight: 0 });
      const cell = await runCell(plan, {
        pool,
        send,
        workload,
        timeoutMs: s.timeoutMs,
        cellTimeoutMs: s.cellTimeoutMs,
        maxErrorRate: s.maxErrorRate,
        maxConcurrency: s.maxConcurrency,
        slo: s.slo,
        rng,
        interrupt: o.signal,
        onActivity: (inFlight, finished) => o.onProgress?.({ ...base, requestsDone: requestsDone + finished, inFlight }),
      });
      const w = loadgenWarnings(cell);
      if (w.length > 0) cell.warnings = w;
      requestsDone += perCell; // a stopped cell counts as done for the ETA (find-max probes count as one cell)
      cellIndex++;
      cells.push(cell);
      o.onCell?.(cell);
      o.onProgress?.({ ...base, cellsDone: cellIndex, requestsDone, inFlight: 0 });
      return cell;
    };

    let findMax: FindMaxResult[] | undefined;
    if (s.mode === 'find-max') {
      findMax = [];
      for (const p of s.promptTokens) {
        if (o.signal?.aborted) break;
        findMax.push(await searchMaxRate(p, s, run, o.signal));
      }
    } else {
      for (const key of keys) {
        if (o.signal?.aborted) break;
        await run(key);
      }
    }
    if (o.signal?.aborted) warnings.push(`interrupted after ${cells.length} cell(s); the last one is n/a`);
    const nearCeiling = cells.filter((c) => c.warnings?.length);
    if (nearCeiling.length > 0) warnings.push(`${nearCeiling.length} cell(s) ran near the load generator's limits; see their warnings`);

    const result: BenchRun = {
      format: benchRunFormat,
      source: 'measured',
      date,
      tool: { name: 'relais', version: o.toolVersion ?? '0' },
      target: { url: withoutCredentials(o.url), model, endpoint: o.endpoint, models: models.raw },
      settings: { ...s, ignoreEos: send.ignoreEos },
      loadgen: { ceiling: { ...loadgenCeiling }, host: { cpus: os.cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` } },
      cells,
      warnings,
    };
    if (models.error) result.target.modelsError = models.error;
    if (calibration) result.calibration = calibration;
    if (findMax) result.findMax = findMax;
    return result;
  } finally {
    await pool.close().catch(() => undefined);
  }
}

/** A run file gets shared: user:password in the URL stays out of it. */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/$/, '');
}
