// Checks the model against the public batched measurements (src/catalog/batched-measurements.ts): predicts each
// usable row, fits the server factors, and measures the error out of sample by leaving one source out.
import { BATCHED_MEASUREMENTS, MEASUREMENT_SOURCES, type BatchedMeasurement, type MeasuredEngine } from '../catalog/batched-measurements.js';
import { getGpu } from '../catalog/lookup.js';
import { SERVER_FACTORS, SERVER_PRIORS } from './efficiency.js';
import { buildReplicaModel, type ReplicaDetail } from './replica.js';
import { steadyState } from './steady-state.js';
import type { EngineKind } from './types.js';
import { bandFromRatios, type Band } from './uncertainty.js';
import { coordinateSearch } from './coordinate-search.js';

export type ServerFactors = { -readonly [K in keyof typeof SERVER_FACTORS]: number };

/** A measured row the model can predict: catalog GPU, model and quantization, fixed lengths, closed loop or static batch. */
export interface ValidationPoint {
  readonly row: BatchedMeasurement;
  readonly engine: MeasuredEngine;
  readonly gpuClass: string;
  /** Series the latency ratio is taken within (same source, hardware, model and output length). */
  readonly series: string;
}

export function validationPoints(rows: readonly BatchedMeasurement[] = BATCHED_MEASUREMENTS): ValidationPoint[] {
  const engineOf = new Map(MEASUREMENT_SOURCES.map((s) => [s.id, s.engine]));
  const out: ValidationPoint[] = [];
  for (const row of rows) {
    const engine = engineOf.get(row.source);
    if (!engine || engine === 'llamacpp') continue;
    if (row.gpu === null || row.model === null || row.quant === null || row.promptTokens === null || row.outputTokens === null) continue;
    if (row.load !== 'concurrency' && row.load !== 'static-batch') continue;
    const series = [row.source, row.gpu, row.gpus, row.model, row.quant, row.outputTokens].join('|');
    out.push({ row, engine, gpuClass: getGpu(row.gpu).class, series });
  }
  return out;
}

/** The engine whose memory accounting and scheduling stand for a measured engine (TensorRT-LLM batches like vLLM). */
function modelEngine(e: MeasuredEngine): EngineKind {
  return e === 'sglang' ? 'sglang' : e === 'tgi' ? 'tgi' : 'vllm';
}

function replicaFor(p: ValidationPoint, f: ServerFactors): ReplicaDetail {
  const r = p.row;
  const gpu = getGpu(r.gpu ?? '');
  const hbm = gpu.class === 'ampere-hbm' || gpu.class === 'hopper' || gpu.class === 'volta';
  const engine = modelEngine(p.engine);
  const calibration = {
    entries: [{
      engine, gpu: gpu.id, source: 'validation',
      bandwidth: hbm ? f.bandwidthHbm : f.bandwidthGddr, attentionBandwidth: f.attentionBandwidth, compute: f.compute,
      layerOverheadSec: f.layerOverheadSec, stepOverheadSec: f.stepOverheadSec, seqOverheadSec: f.seqOverheadSec,
    }],
  };
  const spec = { gpu: gpu.id, gpus: r.gpus, model: r.model ?? '', quant: r.quant ?? '', engine };
  const full = buildReplicaModel(spec, calibration);
  if (full.fits) return full;
  return buildReplicaModel({ ...spec, maxModelLen: Math.max(8192, (r.promptTokens ?? 0) + (r.outputTokens ?? 0) + 16) }, calibration);
}

export interface Prediction {
  readonly point: ValidationPoint;
  /** Per-user decode rate, tok/s: 1000 / TPOT (or ITL) where measured, else output tokens / e2e. */
  readonly perUserMeasured?: number;
  readonly perUserPredicted?: number;
  readonly e2eMeasuredSec?: number;
  readonly e2ePredictedSec: number;
}

export function predict(p: ValidationPoint, f: ServerFactors): Prediction {
  const r = p.row;
  const s = steadyState(replicaFor(p, f), { concurrency: r.level, promptTokens: r.promptTokens ?? 0, outputTokens: r.outputTokens ?? 1 });
  const perToken = r.tpotMs ?? r.itlMs;
  const out = r.outputTokens ?? 1;
  let perUserMeasured: number | undefined;
  let perUserPredicted: number | undefined;
  if (r.shapeOnly !== undefined) {
    // absolute speed not comparable (see the row's reason); the latency ratio still is
  } else if (perToken !== undefined) {
    perUserMeasured = 1000 / perToken;
    perUserPredicted = s.perUserTokPerSec;
  } else if (r.e2eMs !== undefined) {
    perUserMeasured = out / (r.e2eMs / 1000);
    perUserPredicted = out / s.e2eSec;
  }
  return { point: p, perUserMeasured, perUserPredicted, e2eMeasuredSec: r.e2eMs === undefined ? undefined : r.e2eMs / 1000, e2ePredictedSec: s.e2eSec };
}

export interface PointErrors {
  readonly point: ValidationPoint;
  /** predicted / measured − 1. */
  readonly perUser?: number;
  /** Latency relative to the series' first row (fewest requests, then shortest prompt): predicted / measured − 1. */
  readonly latencyRatio?: number;
  /** The measured ratio, for the table. */
  readonly measuredRatio?: number;
}

/** Errors of every point; latency ratios are taken within each series against its lightest-loaded row. */
export function pointErrors(points: readonly ValidationPoint[], f: ServerFactors): PointErrors[] {
  const preds = points.map((p) => predict(p, f));
  const bySeries = new Map<string, Prediction[]>();
  for (const pr of preds) bySeries.set(pr.point.series, [...(bySeries.get(pr.point.series) ?? []), pr]);
  return preds.map((pr) => {
    const perUser = pr.perUserMeasured !== undefined && pr.perUserPredicted !== undefined ? pr.perUserPredicted / pr.perUserMeasured - 1 : undefined;
    const row = pr.point.row;
    let latencyRatio: number | undefined;
    let measuredRatio: number | undefined;
    const group = bySeries.get(pr.point.series) ?? [];
    const base = [...group].sort((a, b) => a.point.row.level - b.point.row.level || (a.point.row.promptTokens ?? 0) - (b.point.row.promptTokens ?? 0))[0];
    if (row.e2eRatioToOne !== undefined) {
      // Only the ratio is published: compare with the model's own L(c)/L(1).
      const one = predict({ ...pr.point, row: { ...row, level: 1, e2eRatioToOne: undefined } }, f);
      measuredRatio = row.e2eRatioToOne;
      latencyRatio = pr.e2ePredictedSec / one.e2ePredictedSec / measuredRatio - 1;
    } else if (base && base !== pr && base.e2eMeasuredSec !== undefined && pr.e2eMeasuredSec !== undefined) {
      measuredRatio = pr.e2eMeasuredSec / base.e2eMeasuredSec;
      latencyRatio = pr.e2ePredictedSec / base.e2ePredictedSec / measuredRatio - 1;
    }
    return { point: pr.point, perUser, latencyRatio, measuredRatio };
  });
}

/** Weak priors: how far the fit may pull each factor from the documented engineering values. */
const PRIOR_WEIGHT = 0.02;
const FITTED: readonly (keyof ServerFactors)[] = ['bandwidthHbm', 'attentionBandwidth', 'stepOverheadSec', 'seqOverheadSec'];
const BOUNDS: Readonly<Record<keyof ServerFactors, readonly [number, number]>> = {
  bandwidthHbm: [0.4, 0.95], bandwidthGddr: [0.4, 0.95], attentionBandwidth: [0.2, 0.95], compute: [0.15, 0.9],
  layerOverheadSec: [0, 2e-4], stepOverheadSec: [1e-4, 1e-2], seqOverheadSec: [1e-6, 2e-4],
};

function loss(points: readonly ValidationPoint[], f: ServerFactors, prior: ServerFactors): number {
  const errs = pointErrors(points, f);
  let sum = 0;
  let n = 0;
  for (const e of errs) {
    for (const x of [e.perUser, e.latencyRatio]) {
      if (x === undefined || !Number.isFinite(x)) continue;
      sum += Math.log(1 + x) ** 2;
      n++;
    }
  }
  let penalty = 0;
  for (const k of FITTED) penalty += Math.log(f[k] / prior[k]) ** 2;
  return (n > 0 ? sum / n : 0) + PRIOR_WEIGHT * penalty;
}

/** Coordinate search in log space from the priors; GDDR bandwidth keeps its ratio to HBM's. */
export function fitServerFactors(points: readonly ValidationPoint[], prior: ServerFactors = { ...SERVER_PRIORS }): ServerFactors {
  const gddrRatio = prior.bandwidthGddr / prior.bandwidthHbm;
  const tie = (g: ServerFactors): ServerFactors => ({ ...g, bandwidthGddr: Math.min(BOUNDS.bandwidthGddr[1], g.bandwidthHbm * gddrRatio) });
  return coordinateSearch({ ...prior }, (f) => loss(points, f, prior), { keys: FITTED, bounds: BOUNDS, step: 1.5, tie }).params;
}

export interface HeldOut {
  readonly source: string;
  readonly errors: readonly PointErrors[];
}

/**
 * Leave-one-source-out: for each vLLM source, fit on the other vLLM sources and predict it. Sources of other engines
 * (TensorRT-LLM through NIM) are predicted with the factors fitted on every vLLM source: out of sample by construction.
 */
export function leaveOneSourceOut(points: readonly ValidationPoint[] = validationPoints()): HeldOut[] {
  const vllm = points.filter((p) => p.engine === 'vllm');
  const sources = [...new Set(points.map((p) => p.row.source))];
  const all = fitServerFactors(vllm);
  return sources.map((source) => {
    const held = points.filter((p) => p.row.source === source);
    const isVllm = held[0]?.engine === 'vllm';
    const f = isVllm ? fitServerFactors(vllm.filter((p) => p.row.source !== source)) : all;
    return { source, errors: pointErrors(held, f) };
  });
}

export interface ErrorStats {
  readonly n: number;
  readonly median: number;
  readonly p90: number;
}

/** Median and p90 of absolute relative errors. */
export function errorStats(xs: readonly number[]): ErrorStats {
  const a = xs.map(Math.abs).sort((x, y) => x - y);
  const q = (p: number): number => (a.length === 0 ? NaN : a[Math.min(a.length - 1, Math.ceil(p * a.length) - 1)]!);
  return { n: a.length, median: q(0.5), p90: q(0.9) };
}

/** Uncertainty bands from held-out errors: measured / predicted = 1 / (1 + error). */
export function bandsFromHeldOut(heldOut: readonly HeldOut[]): { speed: Band; latency: Band } {
  const vllm = heldOut.filter((h) => h.errors[0]?.point.engine === 'vllm').flatMap((h) => h.errors);
  const speed = vllm.flatMap((e) => (e.perUser === undefined ? [] : [1 / (1 + e.perUser)]));
  const latency = vllm.flatMap((e) => (e.latencyRatio === undefined ? [] : [1 / (1 + e.latencyRatio)]));
  return { speed: bandFromRatios(speed), latency: bandFromRatios(latency) };
}
