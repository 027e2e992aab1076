// Summary statistics of latency samples (nearest-rank percentiles on a sorted copy).

export interface Summary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const n = samples.length;
  if (n === 0) return { count: 0, mean: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i]!;
  const at = (q: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  return { count: n, mean: sum / n, p50: at(0.5), p90: at(0.9), p95: at(0.95), p99: at(0.99), max: sorted[n - 1]! };
}

/**
 * Log-bucketed histogram for samples too numerous to keep (inter-token latencies): 1% relative
 * resolution from 1 µs to ~1000 s.
 */
export class LogHistogram {
  private static readonly MIN = 1e-6;
  private static readonly GROWTH = Math.log(1.01);
  private readonly counts = new Float64Array(2100);
  private n = 0;
  private sum = 0;
  private maxValue = 0;

  record(x: number): void {
    const i = x <= LogHistogram.MIN ? 0 : Math.min(2099, 1 + Math.floor(Math.log(x / LogHistogram.MIN) / LogHistogram.GROWTH));
    this.counts[i]!++;
    this.n++;
    this.sum += x;
    if (x > this.maxValue) this.maxValue = x;
  }

  summary(): Summary {
    if (this.n === 0) return summarize([]);
    const q = (p: number): number => {
      const target = Math.ceil(p * this.n);
      let acc = 0;
      for (let i = 0; i < this.counts.length; i++) {
        acc += this.counts[i]!;
        if (acc >= target) return i === 0 ? LogHistogram.MIN : LogHistogram.MIN * Math.exp((i - 0.5) * LogHistogram.GROWTH);
      }
      return this.maxValue;
    };
    return { count: this.n, mean: this.sum / this.n, p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: this.maxValue };
  }
}
