// Fits efficiency factors to a `relais bench` run of one's own hardware: the factors that make the planner's
// prediction of the run (the simulator's, as `relais plan grid` makes it) reproduce the measured TPOT, TTFT and
// end-to-end latency of every closed-loop cell, minimising log error; reports how far each factor moved.
import type { BenchRun } from '../bench/run-types.js';
import { buildReplicaModel, coordinateSearch, efficiencyFor, type CalibrationEntry, type Efficiency, type ReplicaParts } from '../perfmodel/index.js';
import type { ReplicaSpec } from '../perfmodel/types.js';
import { getGpu } from '../catalog/lookup.js';
import { leastLoaded } from '../router/policies/least-loaded.js';
import { simulateFleet } from '../sim/fleet-sim.js';
import { parseWorkload } from '../sim/workload.js';

export interface MeasuredCell {
  readonly concurrency: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly tpotSec: number;
  readonly ttftSec: number;
  readonly e2eSec: number;
  /** Requests the cell measured (the prediction replays as many, at most MAX_REQUESTS_PER_CELL). */
  readonly requests: number;
}

/** Usable cells of a run: closed-loop, summarised, with streaming timings. */
export function measuredCells(run: BenchRun): MeasuredCell[] {
  const out: MeasuredCell[] = [];
  for (const cell of run.cells) {
    const s = cell.summary;
    if (cell.status !== 'ok' || !s || cell.key.concurrency === null || !s.tpotMs || !s.ttftMs) continue;
    const prompt = s.promptTokens?.mean ?? cell.key.promptTokens;
    const output = s.completionTokens?.mean;
    if (!prompt || !output || output < 2) continue;
    out.push({
      concurrency: cell.key.concurrency, promptTokens: Math.round(prompt), outputTokens: Math.round(output), tpotSec: s.tpotMs.mean / 1000,
      ttftSec: s.ttftMs.mean / 1000, e2eSec: s.e2eMs.mean / 1000, requests: s.completed,
    });
  }
  return out;
}

/** The factors calibration moves; the per-layer overhead stays (it cannot be told apart from the per-step one here). */
type Params = { -readonly [K in 'bandwidth' | 'attentionBandwidth' | 'compute' | 'stepOverheadSec' | 'seqOverheadSec']: Efficiency[K] };
const KEYS: readonly (keyof Params)[] = ['bandwidth', 'attentionBandwidth', 'compute', 'stepOverheadSec', 'seqOverheadSec'];
const BOUNDS: Readonly<Record<keyof Params, readonly [number, number]>> = {
  bandwidth: [0.05, 1], attentionBandwidth: [0.05, 1], compute: [0.02, 1], stepOverheadSec: [1e-5, 0.05], seqOverheadSec: [1e-7, 1e-3],
};
const MAX_REQUESTS_PER_CELL = 64;

/** The planner's prediction of one cell: the simulator replaying a closed loop of the cell's size. */
export function predictCell(spec: ReplicaSpec, parts: ReplicaParts, entry: CalibrationEntry, c: MeasuredCell): { tpotSec: number; ttftSec: number; e2eSec: number } {
  const maxLen = c.promptTokens + c.outputTokens + 16;
  const llamacpp = spec.engine === 'llamacpp';
  const replica = buildReplicaModel(
    { ...spec, maxNumSeqs: llamacpp ? c.concurrency : spec.maxNumSeqs, maxModelLen: spec.maxModelLen ?? (llamacpp ? maxLen * c.concurrency : Math.max(8192, maxLen)) },
    { entries: [entry] }, parts,
  );
  const requests = Math.max(c.concurrency, Math.min(MAX_REQUESTS_PER_CELL, Math.max(c.requests, 2 * c.concurrency)));
  const workload = parseWorkload({ seed: 1, requests, arrival: { concurrency: c.concurrency }, prompt: c.promptTokens, output: c.outputTokens }, 'calibration cell');
  const r = simulateFleet({ replicas: [replica], workload, policy: leastLoaded(), modelName: spec.model });
  return { tpotSec: r.tpot.mean, ttftSec: r.ttft.mean, e2eSec: r.e2e.mean };
}

function loss(spec: ReplicaSpec, parts: ReplicaParts, cells: readonly MeasuredCell[], entry: CalibrationEntry): number {
  let sum = 0;
  for (const c of cells) {
    const p = predictCell(spec, parts, entry, c);
    sum += Math.log(p.tpotSec / c.tpotSec) ** 2 + Math.log(p.ttftSec / c.ttftSec) ** 2 + Math.log(p.e2eSec / c.e2eSec) ** 2;
  }
  return sum / (3 * cells.length);
}

export interface FactorMove {
  readonly factor: keyof Params;
  readonly before: number;
  readonly after: number;
}

export interface CalibrationResult {
  readonly entry: CalibrationEntry;
  readonly cells: number;
  /** Root-mean-square log error after the fit (≈ relative error). */
  readonly rmsError: number;
  /** Root-mean-square log error of the factors in use before (defaults or an earlier calibration). */
  readonly rmsErrorBefore: number;
  /** Each fitted factor before and after. */
  readonly moves: readonly FactorMove[];
}

/** Coordinate search in log space, from the factors in use (defaults, or `current` when given). */
export function calibrateFromCells(spec: ReplicaSpec, cells: readonly MeasuredCell[], source: string, parts: ReplicaParts = {}, current?: Efficiency): CalibrationResult {
  if (cells.length === 0) throw new Error('no usable cells: the run needs closed-loop (concurrency) cells measured with streaming');
  const base = current ?? efficiencyFor(spec.engine, parts.gpu ?? getGpu(spec.gpu));
  const entryOf = (p: Params): CalibrationEntry => ({ engine: spec.engine, gpu: spec.gpu, source: 'fit', layerOverheadSec: base.layerOverheadSec, ...p });
  const start: Params = { bandwidth: base.bandwidth, attentionBandwidth: base.attentionBandwidth, compute: base.compute, stepOverheadSec: Math.max(base.stepOverheadSec, 1e-5), seqOverheadSec: Math.max(base.seqOverheadSec, 1e-7) };
  const rmsErrorBefore = Math.sqrt(loss(spec, parts, cells, entryOf(start)));
  const { params: p, loss: best } = coordinateSearch(start, (q) => loss(spec, parts, cells, entryOf(q)), { keys: KEYS, bounds: BOUNDS, step: 1.6 });
  return {
    entry: { ...entryOf(p), source: `${source}, ${cells.length} cells, rms error ${(Math.sqrt(best) * 100).toFixed(1)}%` },
    cells: cells.length,
    rmsError: Math.sqrt(best),
    rmsErrorBefore,
    moves: KEYS.map((k) => ({ factor: k, before: start[k], after: p[k] })),
  };
}
