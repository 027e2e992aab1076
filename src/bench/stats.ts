// Descriptive statistics of latency samples. Percentiles interpolate linearly between ranks
// (numpy's default), so numbers match vLLM's benchmark on the same samples.
import type { Stat } from './run-types.js';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] ?? NaN;
  const b = sorted[hi] ?? NaN;
  return a + (b - a) * (rank - lo);
}

/** Null for an empty list: an unknown figure is not zero. */
export function describe(values: readonly number[]): Stat | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const arr = Array.from(sorted);
  return {
    n: arr.length,
    mean: sum / arr.length,
    median: percentile(arr, 50),
    p90: percentile(arr, 90),
    p99: percentile(arr, 99),
    min: arr[0] ?? NaN,
    max: arr[arr.length - 1] ?? NaN,
  };
}

export type StatName = 'mean' | 'median' | 'p90' | 'p99';
export const statNames: readonly StatName[] = ['mean', 'median', 'p90', 'p99'];

/** Points of an empirical CDF, thinned to at most maxPoints (for charts). */
export function cdfPoints(values: readonly number[], maxPoints = 60): [number, number][] {
  if (values.length === 0) return [];
  const sorted = Array.from(Float64Array.from(values).sort());
  const out: [number, number][] = [];
  const step = Math.max(1, Math.floor(sorted.length / maxPoints));
  for (let i = 0; i < sorted.length; i += step) out.push([sorted[i] ?? 0, (i + 1) / sorted.length]);
  const last = sorted[sorted.length - 1] ?? 0;
  if (out[out.length - 1]?.[1] !== 1) out.push([last, 1]);
  return out;
}
