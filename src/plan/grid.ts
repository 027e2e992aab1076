// Predicts the table `relais bench` measures (concurrency × prompt size) with the simulator's virtual-time mode,
// in the bench run layout so `relais bench compare run.json predicted.json` puts them side by side.
import { benchRunFormat, type BenchCell, type BenchRun, type PredictedRange, type Stat } from '../bench/run-types.js';
import { latencyRange, speedRange, type ReplicaDetail, type Uncertainty } from '../perfmodel/index.js';
import { leastLoaded } from '../router/policies/least-loaded.js';
import { simulateFleet } from '../sim/fleet-sim.js';
import type { Summary } from '../sim/percentiles.js';
import { parseWorkload } from '../sim/workload.js';

export interface GridInput {
  /** One performance model per replica (all alike). */
  readonly replicas: readonly ReplicaDetail[];
  readonly concurrency: readonly number[];
  readonly promptTokens: readonly number[];
  readonly maxTokens: number;
  /** Requests simulated per cell (default: 8 per concurrent slot, at least 64), so the start-up burst weighs little. */
  readonly requestsPerCell?: number;
  readonly seed?: number;
  readonly toolVersion: string;
  readonly label: string;
  /** Band of the predictions; each cell gets its p10–p90 range. */
  readonly uncertainty?: Uncertainty;
}

/** Seconds → a bench Stat in milliseconds. The simulator keeps no minimum: it is left out (null in JSON). */
function stat(s: Summary): Stat | null {
  if (s.count === 0) return null;
  return { n: s.count, mean: s.mean * 1e3, median: s.p50 * 1e3, p90: s.p90 * 1e3, p99: s.p99 * 1e3, min: NaN, max: s.max * 1e3 };
}

function fixedStat(n: number, v: number): Stat {
  return { n, mean: v, median: v, p90: v, p99: v, min: v, max: v };
}

function defaultRequests(concurrency: number): number {
  return Math.max(64, 8 * concurrency);
}

function naCell(concurrency: number, promptTokens: number, reason: string): BenchCell {
  return { key: { concurrency, rate: null, promptTokens }, status: 'na', reason, durationMs: 0, samples: [], summary: null };
}

function predictCell(input: GridInput, concurrency: number, prompt: number): BenchCell {
  const first = input.replicas[0];
  if (!first) throw new Error('predictGrid: no replica');
  if (!first.fits) return naCell(concurrency, prompt, `does not fit: ${first.notFitReason ?? ''}`);
  if (prompt + input.maxTokens > first.maxContextPerSeq) {
    return naCell(concurrency, prompt, `prompt ${prompt} + output ${input.maxTokens} tokens exceed the context of ${first.maxContextPerSeq}`);
  }
  const requests = input.requestsPerCell ?? defaultRequests(concurrency);
  const workload = parseWorkload({ seed: input.seed ?? 1, requests, arrival: { concurrency }, prompt, output: input.maxTokens }, 'grid cell');
  const r = simulateFleet({ replicas: input.replicas, workload, policy: leastLoaded(), modelName: first.spec.model });
  if (r.completed === 0) return naCell(concurrency, prompt, `no request could run (${r.rejected} rejected by the engine)`);
  const e2e = stat(r.e2e);
  if (!e2e) return naCell(concurrency, prompt, 'no completed request');
  return {
    key: { concurrency, rate: null, promptTokens: prompt },
    status: 'ok',
    durationMs: r.simulatedSeconds * 1e3,
    samples: [],
    summary: {
      requests, completed: r.completed, errors: r.rejected, warmup: 0, durationS: r.simulatedSeconds,
      e2eMs: e2e, ttftMs: stat(r.ttft), tpotMs: stat(r.tpot), itlMs: stat(r.itl),
      promptTokens: fixedStat(r.completed, prompt), completionTokens: fixedStat(r.completed, input.maxTokens),
      requestThroughput: r.throughput.requestsPerSecond, outputTokenThroughput: r.throughput.outputTokensPerSecond,
      totalTokenThroughput: r.throughput.outputTokensPerSecond + r.throughput.promptTokensPerSecond,
    },
    predicted_range: input.uncertainty && r.tpot.count > 0 ? cellRange(r.e2e.mean, r.ttft.mean, r.tpot.mean, r.throughput.outputTokensPerSecond, input.uncertainty) : undefined,
    warnings: r.preemptions > 0 ? [`${r.preemptions} preemptions (KV cache full)`] : undefined,
  };
}

function cellRange(e2e: number, ttft: number, tpot: number, outputTokS: number, u: Uncertainty): PredictedRange {
  return {
    e2e_s_range: latencyRange(e2e, u), ttft_s_range: latencyRange(ttft, u), tpot_s_range: latencyRange(tpot, u),
    per_user_tok_s_range: speedRange(1 / tpot, u), output_tok_s_range: speedRange(outputTokS, u),
  };
}

export function predictGrid(input: GridInput): BenchRun {
  const cells: BenchCell[] = [];
  for (const c of input.concurrency) for (const p of input.promptTokens) cells.push(predictCell(input, c, p));
  const first = input.replicas[0];
  return {
    format: benchRunFormat,
    source: 'predicted',
    date: new Date().toISOString(),
    tool: { name: 'relais plan grid', version: input.toolVersion },
    target: { url: `sim:${input.label}`, model: first?.spec.model ?? '', endpoint: 'completions', models: null },
    settings: {
      mode: 'concurrency', concurrency: [...input.concurrency], rates: [], promptTokens: [...input.promptTokens],
      output: { kind: 'fixed', tokens: input.maxTokens }, requestsPerCell: input.requestsPerCell ?? defaultRequests(Math.max(...input.concurrency)), warmupPerCell: 0,
      workload: { kind: 'random' }, stream: true, ignoreEos: true, temperature: 0, seed: input.seed ?? 1,
      timeoutMs: 0, cellTimeoutMs: 0, maxErrorRate: 0, maxConcurrency: null,
    },
    loadgen: { ceiling: { requestsPerSecond: 0, chunksPerSecond: 0, measured: 'not applicable (virtual time)' }, host: { cpus: 0, node: process.version, platform: 'virtual' } },
    cells,
    warnings: [
      `predicted by the performance model (${first?.efficiency.source ?? ''})`,
      ...(input.uncertainty ? [`ranges (p10–p90): speeds × ${input.uncertainty.speed.low}–${input.uncertainty.speed.high}, latencies × ${input.uncertainty.latency.low}–${input.uncertainty.latency.high} (${input.uncertainty.source})`] : []),
    ],
  };
}

/** Text lines: each cell's predicted range (the bench report shows the central values). */
export function rangeLines(run: BenchRun): string[] {
  const f = (r: [number, number], scale: number, d: number): string => `${(r[0] * scale).toFixed(d)}–${(r[1] * scale).toFixed(d)}`;
  const out = ['predicted ranges (p10–p90): concurrency × prompt tokens → e2e s, TTFT s, TPOT ms, tok/s per user, output tok/s'];
  for (const c of run.cells) {
    const r = c.predicted_range;
    if (!r) continue;
    out.push(`  c=${c.key.concurrency ?? '-'} p=${c.key.promptTokens}: ${f(r.e2e_s_range, 1, 2)}, ${f(r.ttft_s_range, 1, 3)}, ${f(r.tpot_s_range, 1e3, 1)}, ${f(r.per_user_tok_s_range, 1, 1)}, ${f(r.output_tok_s_range, 1, 0)}`);
  }
  return out;
}
