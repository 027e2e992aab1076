// How far a prediction may be from a measurement: bands from the leave-one-source-out errors of
// src/perfmodel/validate.ts (test/perfmodel/validation.test.ts recomputes them), narrower once calibrated.
import type { EngineKind } from './types.js';

/** Multipliers on a prediction: the measured value lies between prediction × low and prediction × high (p10–p90). */
export interface Band {
  readonly low: number;
  readonly high: number;
}

export interface Uncertainty {
  /** Per-user decode rate and aggregate throughput. */
  readonly speed: Band;
  /** Latencies (end-to-end, TTFT, ITL). */
  readonly latency: Band;
  readonly source: string;
}

/** Bands are never narrower than ±15%: a handful of sources cannot promise more. */
export const MIN_BAND = 0.15;

/** Held-out errors of the server model (docs/perfmodel.md, "Out of sample"), p10–p90 of measured / predicted. */
export const SERVER_UNCERTAINTY: Uncertainty = {
  speed: { low: 0.8, high: 1.15 },
  latency: { low: 0.85, high: 1.17 },
  source: 'p10–p90 of leave-one-source-out errors against public vLLM measurements',
};

/** After `relais plan calibrate`: the calibrated planner re-predicts its own run within 10% (test/plan/calibrate.test.ts). */
export const CALIBRATED_UNCERTAINTY: Uncertainty = {
  speed: { low: 0.9, high: 1.1 },
  latency: { low: 0.9, high: 1.1 },
  source: 'calibrated on your own bench run (±10%)',
};

/**
 * llama.cpp single stream: the tg1024 fits leave ±25% out of sample on a GPU of a fitted class (docs/perfmodel.md);
 * its batched decode has no public measurement with stated hardware, so the band widens the same way.
 */
export const LLAMACPP_UNCERTAINTY: Uncertainty = {
  speed: { low: 0.75, high: 1.25 },
  latency: { low: 0.8, high: 1.33 },
  source: 'llama.cpp single-stream fits, ±25% out of sample',
};

/** The band of an engine's predictions: calibrated runs are tight, llama.cpp and servers have their own. */
export function uncertaintyFor(engine: EngineKind, calibrated: boolean): Uncertainty {
  if (calibrated) return CALIBRATED_UNCERTAINTY;
  return engine === 'llamacpp' ? LLAMACPP_UNCERTAINTY : SERVER_UNCERTAINTY;
}

/** Band from measured/predicted ratios: their p10 and p90, widened to at least ±MIN_BAND. */
export function bandFromRatios(ratios: readonly number[]): Band {
  const a = [...ratios].sort((x, y) => x - y);
  const q = (p: number): number => a[Math.min(a.length - 1, Math.max(0, Math.round(p * (a.length - 1))))] ?? 1;
  return { low: Math.min(1 - MIN_BAND, q(0.1)), high: Math.max(1 + MIN_BAND, q(0.9)) };
}

/** [low, high] of a figure where more is better (tok/s). */
export function speedRange(x: number, u: Uncertainty): [number, number] {
  return [x * u.speed.low, x * u.speed.high];
}

/** [low, high] of a latency. */
export function latencyRange(x: number, u: Uncertainty): [number, number] {
  return [x * u.latency.low, x * u.latency.high];
}
