// The compare page: ratio grid coloured better/worse, and both runs' curves overlaid (a solid, b dashed).
import type { BenchRun } from './run-types.js';
import { compareRuns, runLabel } from './compare.js';
import { chartData } from './chart-data.js';
import { cellValue, formatMs, gridOf, loadLabel, metricTitles, promptLabel, type Metric } from './grid.js';
import type { StatName } from './stats.js';
import { embedJson, htmlPage } from './html-page.js';
import { escapeXml, lineChart, palette, type Series } from './svg-chart.js';

/** Both runs' curves, coloured by prompt size across the two runs (a solid, b dashed). */
function overlay(a: Series[], b: Series[]): Series[] {
  const promptOf = (s: Series): string => /^prompt (\S+)/.exec(s.name)?.[1] ?? s.name;
  const prompts = [...new Set([...a, ...b].map(promptOf))].sort((x, y) => (Number(x) || Infinity) - (Number(y) || Infinity));
  const color = (s: Series): string | undefined => palette[prompts.indexOf(promptOf(s)) % palette.length];
  const name = (run: string, s: Series): string => `${run} ${s.name.replace(' mean', '')}`;
  return [
    ...a.map((s) => ({ ...s, name: name('a', s), color: color(s), dashed: false })),
    ...b.map((s) => ({ ...s, name: name('b', s), color: color(s), dashed: true })),
  ];
}

/** '–' for a cell the run does not have, 'n/a' for one that failed. */
function shown(run: ReturnType<typeof gridOf>, load: number, prompt: number | null, metric: Metric, stat: StatName): string {
  const cell = run.at(load, prompt);
  return cell ? formatMs(cellValue(cell, metric, stat)) : '–';
}

export function compareHtml(a: BenchRun, b: BenchRun, metric: Metric = 'e2e', stat: StatName = 'mean'): string {
  const ga = gridOf(a);
  const gb = gridOf(b);
  const loads = [...new Set([...ga.loads, ...gb.loads])].sort((p, q) => p - q);
  const prompts = [...new Set([...ga.prompts, ...gb.prompts])].sort((p, q) => (p ?? Infinity) - (q ?? Infinity));
  const rows = loads
    .map((l) => `<tr><td>${loadLabel(ga.loadAxis, l)}</td>${prompts.map((p) => {
      const va = cellValue(ga.at(l, p), metric, stat);
      const vb = cellValue(gb.at(l, p), metric, stat);
      const text = `${shown(ga, l, p, metric, stat)} → ${shown(gb, l, p, metric, stat)}`;
      if (va === undefined || vb === undefined || va <= 0) return `<td class="na">${text}</td>`;
      const r = vb / va;
      const cls = r < 0.95 ? 'better' : r > 1.05 ? 'worse' : '';
      return `<td class="${cls}" data-ratio="${r.toFixed(4)}">${text} <b>×${r.toFixed(2)}</b></td>`;
    }).join('')}</tr>`)
    .join('');
  const ca = chartData(a);
  const cb = chartData(b);
  const xLabel = ca.loadAxis === 'rate' ? 'requests/s (Poisson)' : 'concurrent requests';
  const meanOnly = (s: Series[]): Series[] => s.filter((x) => !x.dashed);
  const body = `
<h1>relais bench compare</h1>
<p class="meta">a: ${escapeXml(runLabel(a))}<br>b: ${escapeXml(runLabel(b))}</p>
<h2>${escapeXml(metricTitles[metric])}, ${stat}: a → b (ratio b/a; green = b faster)</h2>
<table><thead><tr><th>load \\ prompt</th>${prompts.map((p) => `<th>${promptLabel(p)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table>
<div class="charts">
${lineChart({ title: 'End-to-end latency (mean)', xLabel, yLabel: 'ms', series: overlay(meanOnly(ca.latency), meanOnly(cb.latency)), logX: ca.loadAxis === 'concurrency' })}
${lineChart({ title: 'Time to first token (mean)', xLabel, yLabel: 'ms', series: overlay(ca.ttft, cb.ttft), logX: ca.loadAxis === 'concurrency' })}
${lineChart({ title: 'Output throughput', xLabel, yLabel: 'tokens/s', series: overlay(ca.throughput, cb.throughput), logX: ca.loadAxis === 'concurrency' })}
</div>
${embedJson('compare-data', { a: runLabel(a), b: runLabel(b), cells: compareRuns(a, b).map((c) => ({ key: c.key, a: c.a?.status ?? 'missing', b: c.b?.status ?? 'missing', ratios: c.ratios })) })}
`;
  return htmlPage('relais bench compare', body);
}
