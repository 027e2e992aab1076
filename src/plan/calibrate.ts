// Fits efficiency factors to a `relais bench` run of one's own hardware: the factors that make the steady-state
// model reproduce the measured per-token time (TPOT) and TTFT of every usable cell, minimising log error.
import type { BenchRun } from '../bench/run-types.js';
import { buildReplicaModel, steadyState, type CalibrationEntry, type ReplicaParts } from '../perfmodel/index.js';
import type { ReplicaSpec } from '../perfmodel/types.js';

export interface MeasuredCell {
  readonly concurrency: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly tpotSec: number;
  readonly ttftSec: number;
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
    out.push({ concurrency: cell.key.concurrency, promptTokens: prompt, outputTokens: output, tpotSec: s.tpotMs.mean / 1000, ttftSec: s.ttftMs.mean / 1000 });
  }
  return out;
}

type Params = { bandwidth: number; compute: number; layerOverheadSec: number };

function loss(spec: ReplicaSpec, parts: ReplicaParts, cells: readonly MeasuredCell[], p: Params): number {
  const calibration = { entries: [{ engine: spec.engine, gpu: spec.gpu, source: 'fit', ...p, stepOverheadSec: 0 }] };
  const maxLen = Math.max(...cells.map((c) => c.promptTokens + c.outputTokens)) + 16;
  let sum = 0;
  for (const c of cells) {
    const slots = spec.engine === 'llamacpp' ? c.concurrency : undefined;
    const r = buildReplicaModel(
      { ...spec, maxNumSeqs: slots ?? spec.maxNumSeqs, maxModelLen: spec.engine === 'llamacpp' ? maxLen * c.concurrency : maxLen },
      calibration, parts,
    );
    const s = steadyState(r, { concurrency: c.concurrency, promptTokens: c.promptTokens, outputTokens: c.outputTokens });
    sum += Math.log(s.itlSec / c.tpotSec) ** 2 + Math.log(s.ttftSec / c.ttftSec) ** 2;
  }
  return sum / (2 * cells.length);
}

export interface CalibrationResult {
  readonly entry: CalibrationEntry;
  readonly cells: number;
  /** Root-mean-square log error after the fit (≈ relative error). */
  readonly rmsError: number;
}

/** Coordinate search in log space over bandwidth share, compute share and per-layer overhead. */
export function calibrateFromCells(spec: ReplicaSpec, cells: readonly MeasuredCell[], source: string, parts: ReplicaParts = {}): CalibrationResult {
  if (cells.length === 0) throw new Error('no usable cells: the run needs closed-loop (concurrency) cells measured with streaming');
  const bounds: Record<keyof Params, [number, number]> = { bandwidth: [0.05, 1], compute: [0.02, 1], layerOverheadSec: [1e-7, 1e-3] };
  let p: Params = { bandwidth: 0.7, compute: 0.4, layerOverheadSec: 5e-5 };
  let best = loss(spec, parts, cells, p);
  for (let factor = 1.6; factor > 1.005; factor = Math.sqrt(factor)) {
    let improved = true;
    while (improved) {
      improved = false;
      for (const k of Object.keys(bounds) as (keyof Params)[]) {
        for (const dir of [factor, 1 / factor]) {
          const v = Math.min(bounds[k][1], Math.max(bounds[k][0], p[k] * dir));
          if (v === p[k]) continue;
          const q = { ...p, [k]: v };
          const l = loss(spec, parts, cells, q);
          if (l < best - 1e-12) {
            best = l;
            p = q;
            improved = true;
          }
        }
      }
    }
  }
  return {
    entry: { engine: spec.engine, gpu: spec.gpu, ...p, stepOverheadSec: 0, source: `${source}, ${cells.length} cells, rms error ${(Math.sqrt(best) * 100).toFixed(1)}%` },
    cells: cells.length,
    rmsError: Math.sqrt(best),
  };
}
