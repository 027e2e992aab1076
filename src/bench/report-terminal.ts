// The terminal report: the headline grid (one metric and statistic per cell) and a summary per cell.
import { cellLabel, type BenchRun } from './run-types.js';
import { cellValue, formatMs, gridOf, loadLabel, loadOf, metricTitles, promptLabel, type Metric } from './grid.js';
import type { StatName } from './stats.js';
import { textTable } from './text-table.js';
import { describeOutputLength } from './output-length.js';

export function gridText(run: BenchRun, metric: Metric = 'e2e', stat: StatName = 'mean'): string {
  const g = gridOf(run);
  const corner = g.loadAxis === 'rate' ? 'rate \\ prompt' : 'conc \\ prompt';
  const header = [corner, ...g.prompts.map(promptLabel)];
  const rows = g.loads.map((l) => [loadLabel(g.loadAxis, l), ...g.prompts.map((p) => formatMs(cellValue(g.at(l, p), metric, stat)))]);
  // The columns are targets; the row below says what the server counted (usage), averaged over the column.
  const counted = g.prompts.map((p) => {
    const means = g.loads.flatMap((l) => {
      const m = g.at(l, p)?.summary?.promptTokens?.mean;
      return m === undefined ? [] : [m];
    });
    return means.length > 0 ? (means.reduce((a, b) => a + b, 0) / means.length).toFixed(0) : '-';
  });
  const table = textTable(header, [...rows, ['srv prompt', ...counted]]);
  return `${metricTitles[metric]}, ${stat} (rows: ${g.loadAxis === 'rate' ? 'requests/s' : 'concurrent requests'}, columns: prompt tokens; last row: prompt tokens the server counted)\n${table}`;
}

const num = (v: number | undefined, digits = 1): string => (v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

export function summaryText(run: BenchRun): string {
  const withGoodput = run.settings.slo !== undefined;
  const header = ['load', 'prompt', 'srv prompt', 'ok/err', 'e2e mean', 'e2e p90', 'ttft mean', 'ttft p99', 'tpot mean', 'itl p99', 'req/s', 'out tok/s', ...(withGoodput ? ['goodput'] : [])];
  const axis = run.cells.some((c) => c.key.rate !== null) ? 'rate' : 'concurrency';
  const rows = run.cells.map((c) => {
    const s = c.summary;
    const base = [loadLabel(axis, loadOf(c)), promptLabel(c.key.promptTokens)];
    if (c.status !== 'ok' || !s) {
      return [...base, s ? num(s.promptTokens?.mean, 0) : '-', s ? `${s.completed}/${s.errors}` : '-', 'n/a', '', '', '', '', '', '', '', ...(withGoodput ? [''] : [])];
    }
    return [
      ...base,
      num(s.promptTokens?.mean, 0),
      `${s.completed}/${s.errors}`,
      formatMs(s.e2eMs.mean),
      formatMs(s.e2eMs.p90),
      formatMs(s.ttftMs?.mean),
      formatMs(s.ttftMs?.p99),
      formatMs(s.tpotMs?.mean),
      formatMs(s.itlMs?.p99),
      num(s.requestThroughput, 2),
      num(s.outputTokenThroughput, 0),
      ...(withGoodput ? [s.goodput ? `${(s.goodput.share * 100).toFixed(0)}% ${num(s.goodput.requestsPerSecond, 2)}/s` : '-'] : []),
    ];
  });
  const na = run.cells.filter((c) => c.status !== 'ok').map((c) => `  ${loadLabel(axis, loadOf(c))} × ${promptLabel(c.key.promptTokens)}: ${c.reason ?? 'failed'}`);
  return textTable(header, rows) + (na.length > 0 ? `\n\nn/a cells:\n${na.join('\n')}` : '');
}

export function runHeader(run: BenchRun): string {
  const s = run.settings;
  const lines = [
    `relais bench · ${run.target.url} · model ${run.target.model} · ${run.target.endpoint} · ${run.date}`,
    `${s.requestsPerCell} requests per cell (+${s.warmupPerCell} warm-up, excluded) · max tokens ${describeOutputLength(s.output)} · workload ${s.workload.kind}${s.ignoreEos ? ' · ignore_eos' : ''}${s.stream ? '' : ' · not streamed'}`,
  ];
  if (s.slo) {
    const parts = [s.slo.ttftMs !== undefined ? `ttft ≤ ${formatMs(s.slo.ttftMs)}` : '', s.slo.tpotMs !== undefined ? `tpot ≤ ${formatMs(s.slo.tpotMs)}` : '', s.slo.e2eMs !== undefined ? `e2e ≤ ${formatMs(s.slo.e2eMs)}` : ''];
    lines.push(`goodput SLO: ${parts.filter((p) => p !== '').join(', ')}`);
  }
  if (run.calibration) lines.push(`prompt sizes calibrated: server tokens ≈ ${run.calibration.slope.toFixed(2)} × words + ${run.calibration.intercept.toFixed(0)} (template); 'srv prompt' is what the server counted`);
  return lines.join('\n');
}

export function findMaxText(run: BenchRun): string {
  if (!run.findMax) return '';
  const rows = run.findMax.map((f) => [promptLabel(f.promptTokens), f.maxRate === null ? 'none' : `${f.maxRate}/s`, f.probes.map((p) => `${p.rate}${p.passed ? '✓' : '✗'}`).join(' ')]);
  return `highest Poisson rate meeting the SLO for ${((run.settings.sloTarget ?? 0.9) * 100).toFixed(0)}% of requests\n${textTable(['prompt', 'max rate', 'probes'], rows)}`;
}

export function fullReport(run: BenchRun, metric: Metric, stat: StatName): string {
  const parts = [runHeader(run), gridText(run, metric, stat), summaryText(run)];
  const fm = findMaxText(run);
  if (fm) parts.push(fm);
  const cellWarnings = run.cells.flatMap((c) => (c.warnings ?? []).map((w) => `  ${cellLabel(c.key)}: ${w}`));
  if (run.warnings.length > 0 || cellWarnings.length > 0) parts.push(['warnings:', ...run.warnings.map((w) => `  ${w}`), ...cellWarnings].join('\n'));
  return parts.join('\n\n');
}
