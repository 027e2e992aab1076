// Rates over the last seconds for the console's live view: per backend tokens/s, requests, errors,
// TTFT percentiles and the engine's prefix-cache hit rate, from differences between samples of the
// gateway's own counters (which count a request when it ends). Sampled only when someone asks, so an
// unwatched gateway pays nothing.
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { BackendState } from './backend-state.js';

interface BackendSample {
  completionTokens: number;
  requests: number;
  errors: number;
  ttftCounts: number[];
  prefixQueries: number | undefined;
  prefixHits: number | undefined;
}

interface Sample {
  readonly at: number;
  readonly backends: Map<string, BackendSample>;
}

export interface BackendRates {
  readonly windowS: number;
  readonly tokensPerS: number;
  readonly requestsPerS: number;
  readonly errors: number;
  readonly ttftP50Ms: number | null;
  readonly ttftP90Ms: number | null;
  readonly prefixHitRate: number | null;
}

const WINDOW_MS = 10_000;
const MIN_GAP_MS = 500;

/** Prometheus-style quantile from per-bucket counts (linear within the bucket). */
export function histogramQuantile(q: number, bounds: readonly number[], counts: readonly number[]): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as number;
    if (seen + c >= rank && c > 0) {
      const lo = i === 0 ? 0 : (bounds[i - 1] as number);
      const hi = bounds[i] as number;
      return lo + (hi - lo) * ((rank - seen) / c);
    }
    seen += c;
  }
  // Past the last finite bucket: the best we can say is its bound.
  return bounds[bounds.length - 1] ?? null;
}

export class LiveWindow {
  private readonly samples: Sample[] = [];

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly now: () => number = () => performance.now(),
  ) {}

  private take(states: readonly BackendState[]): Sample {
    const backends = new Map<string, BackendSample>();
    const n = this.metrics.ttft.buckets.length;
    for (const s of states) {
      backends.set(s.id, { completionTokens: 0, requests: 0, errors: 0, ttftCounts: new Array<number>(n + 1).fill(0), prefixQueries: s.load?.prefixQueries, prefixHits: s.load?.prefixHits });
    }
    for (const { labels, value } of this.metrics.tokens.all()) {
      const b = backends.get(labels[1] ?? '');
      if (b && labels[2] === 'completion') b.completionTokens += value;
    }
    for (const { labels, value } of this.metrics.requests.all()) {
      const b = backends.get(labels[1] ?? '');
      if (!b) continue;
      b.requests += value;
      if (Number(labels[3]) >= 500) b.errors += value;
    }
    for (const { labels, counts, count } of this.metrics.ttft.all()) {
      const b = backends.get(labels[1] ?? '');
      if (!b) continue;
      let finite = 0;
      for (let i = 0; i < n; i++) {
        b.ttftCounts[i] = (b.ttftCounts[i] as number) + (counts[i] as number);
        finite += counts[i] as number;
      }
      b.ttftCounts[n] = (b.ttftCounts[n] as number) + (count - finite);
    }
    return { at: this.now(), backends };
  }

  /** Rates per backend over the last ~10 s (null fields until two samples exist). */
  rates(states: readonly BackendState[]): Map<string, BackendRates | null> {
    const now = this.now();
    const last = this.samples[this.samples.length - 1];
    if (!last || now - last.at >= MIN_GAP_MS) this.samples.push(this.take(states));
    // Keep the last ~10 s; after a pause in polling the old sample goes too (rates unknown until the next poll).
    while (this.samples.length > 2 && now - (this.samples[1] as Sample).at >= WINDOW_MS) this.samples.shift();
    if (this.samples.length > 1 && now - (this.samples[0] as Sample).at > WINDOW_MS + 2_000) this.samples.shift();
    const newest = this.samples[this.samples.length - 1] as Sample;
    const oldest = this.samples[0] as Sample;
    const out = new Map<string, BackendRates | null>();
    const secs = (newest.at - oldest.at) / 1000;
    const bounds = this.metrics.ttft.buckets.map((b) => b * 1000);
    for (const s of states) {
      const a = oldest.backends.get(s.id);
      const b = newest.backends.get(s.id);
      if (!a || !b || secs <= 0) {
        out.set(s.id, null);
        continue;
      }
      // Requests slower than the last bound count in the last bucket: a quantile there reads as its bound.
      const ttft = b.ttftCounts.map((c, i) => c - (a.ttftCounts[i] ?? 0));
      const overflow = ttft.pop() ?? 0;
      ttft[ttft.length - 1] = (ttft[ttft.length - 1] ?? 0) + overflow;
      const queries = b.prefixQueries !== undefined && a.prefixQueries !== undefined ? b.prefixQueries - a.prefixQueries : undefined;
      const hits = b.prefixHits !== undefined && a.prefixHits !== undefined ? b.prefixHits - a.prefixHits : undefined;
      out.set(s.id, {
        windowS: Math.round(secs * 10) / 10,
        tokensPerS: (b.completionTokens - a.completionTokens) / secs,
        requestsPerS: (b.requests - a.requests) / secs,
        errors: b.errors - a.errors,
        ttftP50Ms: histogramQuantile(0.5, bounds, ttft),
        ttftP90Ms: histogramQuantile(0.9, bounds, ttft),
        prefixHitRate: queries !== undefined && hits !== undefined && queries > 0 ? hits / queries : null,
      });
    }
    return out;
  }
}
