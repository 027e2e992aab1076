// Per-cell summary from raw samples: warm-up requests are excluded here and only here.
import type { CellSummary, RequestSample, Slo } from './run-types.js';
import { describe } from './stats.js';

export function meetsSlo(s: RequestSample, slo: Slo): boolean {
  if (!s.ok) return false;
  if (slo.e2eMs !== undefined && s.e2eMs > slo.e2eMs) return false;
  // A streaming SLO on a request without the figure (no token arrived) is not met.
  if (slo.ttftMs !== undefined && (s.ttftMs === undefined || s.ttftMs > slo.ttftMs)) return false;
  if (slo.tpotMs !== undefined && s.tpotMs !== undefined && s.tpotMs > slo.tpotMs) return false;
  return true;
}

export function summarize(samples: readonly RequestSample[], durationMs: number, slo?: Slo): CellSummary | null {
  const measured = samples.filter((s) => !s.warmup);
  const ok = measured.filter((s) => s.ok);
  if (ok.length === 0) return null;
  const e2e = describe(ok.map((s) => s.e2eMs));
  if (!e2e) return null;
  const pick = (f: (s: RequestSample) => number | undefined): number[] => {
    const out: number[] = [];
    for (const s of ok) {
      const v = f(s);
      if (v !== undefined) out.push(v);
    }
    return out;
  };
  const itl: number[] = [];
  for (const s of ok) if (s.itlMs) for (const v of s.itlMs) itl.push(v);
  const durationS = durationMs / 1000;
  const perS = (n: number): number => (durationS > 0 ? n / durationS : 0);
  let outTokens = 0;
  let inTokens = 0;
  for (const s of ok) {
    outTokens += s.completionTokens ?? s.chunks;
    inTokens += s.promptTokens ?? s.targetPromptTokens ?? 0;
  }
  const summary: CellSummary = {
    requests: measured.length,
    completed: ok.length,
    errors: measured.length - ok.length,
    warmup: samples.length - measured.length,
    durationS,
    e2eMs: e2e,
    ttftMs: describe(pick((s) => s.ttftMs)),
    tpotMs: describe(pick((s) => s.tpotMs)),
    itlMs: describe(itl),
    promptTokens: describe(pick((s) => s.promptTokens)),
    completionTokens: describe(pick((s) => s.completionTokens)),
    requestThroughput: perS(ok.length),
    outputTokenThroughput: perS(outTokens),
    totalTokenThroughput: perS(outTokens + inTokens),
  };
  if (slo) {
    const good = measured.filter((s) => meetsSlo(s, slo)).length;
    summary.goodput = { share: measured.length > 0 ? good / measured.length : 0, requestsPerSecond: perS(good) };
  }
  return summary;
}
