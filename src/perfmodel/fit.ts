// Least-squares fits of efficiency factors from measurements (used for the built-in table and `relais plan calibrate`).

/** One measured decode step: bytes it must read, the model's layer count, measured seconds. */
export interface DecodePoint {
  readonly bytes: number;
  readonly layers: number;
  readonly seconds: number;
  readonly bandwidthGBs: number;
}

export interface DecodeFit {
  /** Share of peak bandwidth (1 / slope of time against bytes/bandwidth). */
  readonly bandwidth: number;
  readonly layerOverheadSec: number;
  /** Root-mean-square relative error of the fit over its points. */
  readonly rmsRelError: number;
}

const MAX_BANDWIDTH_SHARE = 0.95;

/**
 * Fits seconds ≈ (bytes / bandwidth) / e + layers × o, minimising relative error (weights 1/seconds²).
 * With a single point or a degenerate design only e is fitted (o = 0); e is capped at 0.95 and o kept ≥ 0.
 */
export function fitDecode(points: readonly DecodePoint[]): DecodeFit {
  if (points.length === 0) throw new Error('fitDecode: no points');
  const rows = points.map((p) => ({ x1: p.bytes / (p.bandwidthGBs * 1e9), x2: p.layers, y: p.seconds, w: 1 / p.seconds ** 2 }));
  let s11 = 0, s12 = 0, s22 = 0, s1y = 0, s2y = 0;
  for (const r of rows) {
    s11 += r.w * r.x1 * r.x1;
    s12 += r.w * r.x1 * r.x2;
    s22 += r.w * r.x2 * r.x2;
    s1y += r.w * r.x1 * r.y;
    s2y += r.w * r.x2 * r.y;
  }
  const det = s11 * s22 - s12 * s12;
  let a: number; // seconds per (bytes / peak bandwidth) = 1 / e
  let o: number;
  if (points.length >= 2 && Math.abs(det) > 1e-12 * s11 * s22) {
    a = (s1y * s22 - s2y * s12) / det;
    o = (s11 * s2y - s12 * s1y) / det;
  } else {
    a = s1y / s11;
    o = 0;
  }
  if (a < 1 / MAX_BANDWIDTH_SHARE || o < 0) {
    // Constrained: clamp and refit the other term alone.
    a = Math.max(a, 1 / MAX_BANDWIDTH_SHARE);
    o = Math.max(0, (s2y - a * s12) / s22);
  }
  const rel = rows.map((r) => (a * r.x1 + o * r.x2 - r.y) / r.y);
  const rmsRelError = Math.sqrt(rel.reduce((s, x) => s + x * x, 0) / rel.length);
  return { bandwidth: 1 / a, layerOverheadSec: o, rmsRelError };
}

/** One measured prefill: FLOPs done, measured seconds, fixed overhead already known, peak TFLOPS. */
export interface PrefillPoint {
  readonly flops: number;
  readonly seconds: number;
  readonly overheadSec: number;
  readonly tflops: number;
}

/** Share of peak TFLOPS reached: mean over points of flops / ((seconds − overhead) × peak). */
export function fitCompute(points: readonly PrefillPoint[]): number {
  if (points.length === 0) throw new Error('fitCompute: no points');
  const shares = points.map((p) => p.flops / (Math.max(1e-9, p.seconds - p.overheadSec) * p.tflops * 1e12));
  return Math.min(1, shares.reduce((s, x) => s + x, 0) / shares.length);
}
