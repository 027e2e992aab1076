// --find-max: the highest Poisson rate a server sustains within the SLO. Doubles the rate until a probe
// fails, then bisects between the last pass and the first failure.
import type { BenchCell, BenchSettings, CellKey, FindMaxResult, RequestSample } from './run-types.js';
import { percentile } from './stats.js';

/** For the progress estimate: doubling from a typical start plus the bisection. */
export const expectedProbes = 9;
const maxProbes = 16;
const bisections = 4;
/**
 * How far below the start rate the search goes when nothing passes: each probe keeps at least
 * requestsPerCell requests, so at rate/64 one probe would last minutes; below that the answer is "none".
 */
const lowestFraction = 1 / 32;

function e2ePercentile(samples: RequestSample[], p: number): number {
  return percentile(samples.map((s) => s.e2eMs).sort((a, b) => a - b), p);
}

/**
 * A rate beyond capacity can still meet the SLO over a short probe, while its queue grows: so a probe
 * also fails when the last third of its requests is clearly slower than the first third (median
 * above both 1.5 × the first third's median and its p90, so that Poisson bursts alone do not count).
 */
export function queueGrows(cell: BenchCell): boolean {
  const ok = cell.samples.filter((s) => !s.warmup && s.ok).sort((a, b) => a.startMs - b.startMs);
  if (ok.length < 30) return false;
  const third = Math.floor(ok.length / 3);
  const first = ok.slice(0, third);
  return e2ePercentile(ok.slice(-third), 50) > Math.max(1.5 * e2ePercentile(first, 50), e2ePercentile(first, 90));
}

/**
 * Requests in a probe: enough for `probeSeconds` of arrivals. A probe much shorter than a request's
 * latency only measures one batch, never the steady state the rate would reach.
 */
export function probeRequests(rate: number, s: BenchSettings): number {
  return Math.max(s.requestsPerCell, Math.ceil(rate * (s.probeSeconds ?? 10)));
}

export async function searchMaxRate(promptTokens: number | null, s: BenchSettings, run: (key: CellKey, requests: number) => Promise<BenchCell>, signal?: AbortSignal): Promise<FindMaxResult> {
  const target = s.sloTarget ?? 0.9;
  let rate = s.rates[0] ?? 1;
  const lowest = rate * lowestFraction;
  let lo: number | null = null;
  let hi: number | null = null;
  let bisected = 0;
  const probes: FindMaxResult['probes'] = [];
  for (let i = 0; i < maxProbes && !signal?.aborted; i++) {
    const cell = await run({ concurrency: null, rate, promptTokens }, probeRequests(rate, s));
    const share = cell.summary?.goodput?.share ?? 0;
    const passed = cell.status === 'ok' && share >= target && !queueGrows(cell);
    probes.push({ rate, passed, goodShare: share, achievedRate: cell.summary?.requestThroughput ?? 0 });
    if (passed) lo = rate;
    else hi = rate;
    if (lo !== null && hi !== null) {
      if (bisected >= bisections || (hi - lo) / lo < 0.05) break;
      rate = (lo + hi) / 2;
      bisected++;
    } else if (lo !== null) rate *= 2;
    else if (rate / 2 < lowest) break;
    else rate /= 2;
    rate = Math.round(rate * 100) / 100;
    if (rate <= 0) break;
  }
  return { promptTokens, maxRate: lo, probes };
}
