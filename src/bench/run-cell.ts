// Runs one cell: closed loop (N requests kept in flight) or open loop (Poisson arrivals).
// A cell that cannot meet the error threshold is stopped early, so a dead endpoint costs milliseconds.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { BenchCell, CellKey, RequestSample, Slo } from './run-types.js';
import { sendRequest, type RequestOutcome, type SendOptions } from './send-request.js';
import type { CellWorkload, WorkItem } from './workloads.js';
import { summarize } from './summarize.js';
import { exponential, type Rng } from '../random/seeded-rng.js';

export interface CellPlan {
  key: CellKey;
  requests: number;
  warmup: number;
}

export interface CellEnv {
  pool: Dispatcher;
  send: Omit<SendOptions, 'signal' | 'keepText'>;
  workload: CellWorkload;
  timeoutMs: number;
  cellTimeoutMs: number;
  maxErrorRate: number;
  maxConcurrency: number | null;
  slo?: Slo;
  rng: Rng;
  /** Stops the cell (Ctrl-C): in-flight requests are aborted and the cell is n/a. */
  interrupt?: AbortSignal;
  /** Called when a request starts or ends (progress display). */
  onActivity?(inFlight: number, finished: number): void;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function toSample(index: number, warmup: boolean, startMs: number, item: WorkItem, out: RequestOutcome): RequestSample {
  const s: RequestSample = { index, warmup, ok: out.ok, startMs: r3(startMs), e2eMs: r3(out.e2eMs), maxTokens: item.request.maxTokens, chunks: out.chunks };
  if (out.error !== undefined) s.error = out.error;
  if (out.httpStatus !== undefined) s.httpStatus = out.httpStatus;
  if (out.ttftMs !== undefined) s.ttftMs = r3(out.ttftMs);
  if (out.itlMs) s.itlMs = out.itlMs.map(r3);
  if (out.promptTokens !== undefined) s.promptTokens = out.promptTokens;
  if (out.completionTokens !== undefined) s.completionTokens = out.completionTokens;
  const generated = out.completionTokens ?? out.chunks;
  if (out.ok && out.ttftMs !== undefined && generated >= 2) s.tpotMs = r3((out.e2eMs - out.ttftMs) / (generated - 1));
  if (item.targetPromptTokens !== undefined) s.targetPromptTokens = item.targetPromptTokens;
  if (item.group !== undefined) s.group = item.group;
  if (item.turn !== undefined) s.turn = item.turn;
  return s;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function runCell(plan: CellPlan, env: CellEnv): Promise<BenchCell> {
  const total = plan.requests + plan.warmup;
  const stop = new AbortController();
  let stopReason: string | undefined;
  const halt = (reason: string): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    stop.abort(new Error(reason));
  };
  const onInterrupt = (): void => halt('interrupted');
  if (env.interrupt?.aborted) onInterrupt();
  env.interrupt?.addEventListener('abort', onInterrupt, { once: true });
  const cellTimer = setTimeout(() => halt(`cell timed out after ${(env.cellTimeoutMs / 1000).toFixed(0)}s`), env.cellTimeoutMs);
  const samples: RequestSample[] = [];
  const allowedFailures = Math.floor(env.maxErrorRate * total);
  let failures = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  let issued = 0;
  const loopResolutionMs = 10;
  const loop = monitorEventLoopDelay({ resolution: loopResolutionMs });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();

  const one = async (index: number): Promise<void> => {
    const item = env.workload.next(index);
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(env.timeoutMs)]);
    inFlight++;
    env.onActivity?.(inFlight, samples.length);
    const startMs = performance.now() - t0;
    const out = await sendRequest(env.pool, item.request, { ...env.send, signal, keepText: env.workload.keepText });
    inFlight--;
    item.done?.(out);
    samples.push(toSample(index, index < plan.warmup, startMs, item, out));
    if (!out.ok) {
      failures++;
      firstError ??= out.error;
      if (failures > allowedFailures) halt(`more than ${(env.maxErrorRate * 100).toFixed(0)}% of requests failed`);
    }
    env.onActivity?.(inFlight, samples.length);
  };

  if (plan.key.rate === null) {
    const worker = async (): Promise<void> => {
      while (issued < total && !stop.signal.aborted) await one(issued++);
    };
    await Promise.all(Array.from({ length: Math.max(1, plan.key.concurrency ?? 1) }, worker));
  } else {
    const running = new Set<Promise<void>>();
    const meanGapMs = 1000 / plan.key.rate;
    let next = 0;
    while (issued < total && !stop.signal.aborted) {
      await sleep(next - (performance.now() - t0));
      if (env.maxConcurrency !== null) while (running.size >= env.maxConcurrency) await Promise.race(running);
      if (stop.signal.aborted) break;
      const p = one(issued++).finally(() => running.delete(p));
      running.add(p);
      next += exponential(env.rng, meanGapMs);
    }
    await Promise.all(running);
  }
  clearTimeout(cellTimer);
  env.interrupt?.removeEventListener('abort', onInterrupt);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  samples.sort((a, b) => a.index - b.index);

  // Throughput counts the measured window: from the first measured start to the last measured end.
  const measured = samples.filter((s) => !s.warmup);
  let from = Infinity;
  let to = 0;
  for (const s of measured) {
    from = Math.min(from, s.startMs);
    to = Math.max(to, s.startMs + s.e2eMs);
  }
  const durationMs = measured.length > 0 ? r3(to - from) : 0;
  const measuredFailures = measured.filter((s) => !s.ok).length;
  let reason = stopReason;
  if (reason === undefined && measured.length > 0 && measuredFailures / measured.length > env.maxErrorRate) {
    reason = `${measuredFailures} of ${measured.length} requests failed`;
  }
  if (reason === undefined && measured.length < plan.requests) reason = 'cell ended early';
  const cell: BenchCell = {
    key: plan.key,
    status: reason === undefined ? 'ok' : 'na',
    durationMs,
    samples,
    summary: summarize(samples, durationMs, env.slo),
    loadgen: {
      cpuFraction: r3((cpu.user + cpu.system) / 1000 / wallMs),
      // The histogram records whole timer intervals: the delay is what exceeds the resolution.
      eventLoopDelayP99Ms: r3(Math.max(0, loop.percentile(99) / 1e6 - loopResolutionMs)),
      wallMs: r3(wallMs),
    },
  };
  if (reason !== undefined) cell.reason = firstError ? `${reason} (${firstError})` : reason;
  return cell;
}
