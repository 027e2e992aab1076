// Two runs side by side: cells matched by key, ratios b / a (below 1 = b is faster, for latencies).
import type { BenchCell, BenchRun, CellKey } from './run-types.js';
import { cellValue, formatMs, gridOf, loadLabel, loadOf, metricTitles, promptLabel, type Metric } from './grid.js';
import type { StatName } from './stats.js';
import { textTable } from './text-table.js';

export interface RatioSet {
  e2eMean?: number;
  e2eP90?: number;
  ttftMean?: number;
  ttftP99?: number;
  tpotMean?: number;
  itlP99?: number;
  requestThroughput?: number;
  outputThroughput?: number;
}

export interface CellComparison {
  key: CellKey;
  a?: BenchCell;
  b?: BenchCell;
  ratios: RatioSet;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a !== undefined && b !== undefined && a > 0 && Number.isFinite(a) && Number.isFinite(b) ? b / a : undefined;
}

function keyId(k: CellKey): string {
  return `${k.concurrency}|${k.rate}|${k.promptTokens}`;
}

export function compareRuns(a: BenchRun, b: BenchRun): CellComparison[] {
  const out = new Map<string, CellComparison>();
  for (const c of a.cells) out.set(keyId(c.key), { key: c.key, a: c, ratios: {} });
  for (const c of b.cells) {
    const existing = out.get(keyId(c.key));
    if (existing) existing.b = c;
    else out.set(keyId(c.key), { key: c.key, b: c, ratios: {} });
  }
  for (const cmp of out.values()) {
    const sa = cmp.a?.status === 'ok' ? cmp.a.summary : null;
    const sb = cmp.b?.status === 'ok' ? cmp.b.summary : null;
    if (!sa || !sb) continue;
    cmp.ratios = {
      e2eMean: ratio(sa.e2eMs.mean, sb.e2eMs.mean),
      e2eP90: ratio(sa.e2eMs.p90, sb.e2eMs.p90),
      ttftMean: ratio(sa.ttftMs?.mean, sb.ttftMs?.mean),
      ttftP99: ratio(sa.ttftMs?.p99, sb.ttftMs?.p99),
      tpotMean: ratio(sa.tpotMs?.mean, sb.tpotMs?.mean),
      itlP99: ratio(sa.itlMs?.p99, sb.itlMs?.p99),
      requestThroughput: ratio(sa.requestThroughput, sb.requestThroughput),
      outputThroughput: ratio(sa.outputTokenThroughput, sb.outputTokenThroughput),
    };
  }
  return [...out.values()];
}

export function runLabel(r: BenchRun): string {
  return `${r.source} · ${r.target.model} · ${r.target.url} · ${r.date}`;
}

const x = (v: number | undefined): string => (v === undefined ? '-' : `×${v.toFixed(2)}`);

/** The grid with "a → b ×ratio" in each cell. */
export function compareGridText(a: BenchRun, b: BenchRun, metric: Metric, stat: StatName): string {
  const ga = gridOf(a);
  const gb = gridOf(b);
  const loads = [...new Set([...ga.loads, ...gb.loads])].sort((p, q) => p - q);
  const prompts = [...new Set([...ga.prompts, ...gb.prompts])].sort((p, q) => (p ?? Infinity) - (q ?? Infinity));
  const axis = ga.loadAxis;
  const rows = loads.map((l) => [
    loadLabel(axis, l),
    ...prompts.map((p) => {
      const ca = ga.at(l, p);
      const cb = gb.at(l, p);
      const va = cellValue(ca, metric, stat);
      const vb = cellValue(cb, metric, stat);
      const r = ratio(va, vb);
      // '–' marks a cell the run does not have; n/a one that failed.
      return `${ca ? formatMs(va) : '–'} → ${cb ? formatMs(vb) : '–'}${r === undefined ? '' : ` ${x(r)}`}`;
    }),
  ]);
  return `${metricTitles[metric]}, ${stat}: a → b, ratio b/a\n${textTable([axis === 'rate' ? 'rate \\ prompt' : 'conc \\ prompt', ...prompts.map(promptLabel)], rows)}`;
}

export function compareText(a: BenchRun, b: BenchRun, metric: Metric, stat: StatName): string {
  const rows = compareRuns(a, b).map((c) => {
    const cell = c.a ?? c.b;
    const axis = c.key.rate !== null ? 'rate' : 'concurrency';
    const status = (x?: BenchCell): string => (!x ? 'missing' : x.status);
    const r = c.ratios;
    return [cell ? loadLabel(axis, loadOf(cell)) : '?', promptLabel(c.key.promptTokens), status(c.a), status(c.b), x(r.e2eMean), x(r.e2eP90), x(r.ttftMean), x(r.ttftP99), x(r.tpotMean), x(r.itlP99), x(r.requestThroughput), x(r.outputThroughput)];
  });
  const table = textTable(['load', 'prompt', 'a', 'b', 'e2e mean', 'e2e p90', 'ttft mean', 'ttft p99', 'tpot mean', 'itl p99', 'req/s', 'out tok/s'], rows);
  return [`a: ${runLabel(a)}`, `b: ${runLabel(b)}`, '', compareGridText(a, b, metric, stat), '', 'ratios b/a per cell (latency below 1 and throughput above 1 mean b is better)', table].join('\n');
}
