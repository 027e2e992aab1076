// The grid view of a run: rows = load (concurrency or rate), columns = prompt size. Shared by the
// terminal, CSV, HTML and compare reports so they all read cells the same way.
import type { BenchCell, BenchRun, CellSummary, Stat } from './run-types.js';
import type { StatName } from './stats.js';

export type Metric = 'e2e' | 'ttft' | 'tpot' | 'itl';
export const metrics: readonly Metric[] = ['e2e', 'ttft', 'tpot', 'itl'];

export const metricTitles: Record<Metric, string> = {
  e2e: 'end-to-end latency',
  ttft: 'time to first token',
  tpot: 'time per output token',
  itl: 'inter-token latency',
};

export interface Grid {
  loadAxis: 'concurrency' | 'rate';
  loads: number[];
  prompts: (number | null)[];
  at(load: number, prompt: number | null): BenchCell | undefined;
}

export function loadOf(c: BenchCell): number {
  return c.key.concurrency ?? c.key.rate ?? 0;
}

export function gridOf(run: BenchRun): Grid {
  const loadAxis = run.cells.some((c) => c.key.rate !== null) ? 'rate' : 'concurrency';
  const loads = [...new Set(run.cells.map(loadOf))].sort((a, b) => a - b);
  const prompts = [...new Set(run.cells.map((c) => c.key.promptTokens))].sort((a, b) => (a ?? Infinity) - (b ?? Infinity));
  const byKey = new Map<string, BenchCell>();
  // A later cell with the same key (a find-max re-probe) replaces the earlier one.
  for (const c of run.cells) byKey.set(`${loadOf(c)}|${c.key.promptTokens}`, c);
  return { loadAxis, loads, prompts, at: (load, prompt) => byKey.get(`${load}|${prompt}`) };
}

export function metricStat(s: CellSummary, m: Metric): Stat | null {
  switch (m) {
    case 'e2e':
      return s.e2eMs;
    case 'ttft':
      return s.ttftMs;
    case 'tpot':
      return s.tpotMs;
    case 'itl':
      return s.itlMs;
  }
}

/** The figure a grid cell shows; undefined when the cell is n/a or the metric unknown. */
export function cellValue(c: BenchCell | undefined, m: Metric, stat: StatName): number | undefined {
  if (!c || c.status !== 'ok' || !c.summary) return undefined;
  return metricStat(c.summary, m)?.[stat];
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return 'n/a';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 100) return `${ms.toFixed(0)}ms`;
  if (ms >= 10) return `${ms.toFixed(1)}ms`;
  return `${ms.toFixed(2)}ms`;
}

export function promptLabel(p: number | null): string {
  return p === null ? 'file' : String(p);
}

export function loadLabel(axis: Grid['loadAxis'], load: number): string {
  return axis === 'rate' ? `${load}/s` : String(load);
}
