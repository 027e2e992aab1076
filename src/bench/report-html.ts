// The self-contained HTML report: grid (metric and statistic switchable), charts as inline SVG,
// and the data behind both embedded as JSON (id "bench-data") for anyone who wants to re-plot.
import { cellLabel, type BenchRun } from './run-types.js';
import { chartData, type Distribution } from './chart-data.js';
import { gridOf, formatMs, loadLabel, metrics, metricStat, metricTitles, promptLabel } from './grid.js';
import { statNames } from './stats.js';
import { embedJson, htmlPage } from './html-page.js';
import { escapeXml, lineChart } from './svg-chart.js';
import { findMaxText, runHeader, summaryText } from './report-terminal.js';

/** Grid cells as plain data for the page script: every metric × statistic, or the n/a reason. */
export function gridData(run: BenchRun): { loadAxis: string; loads: number[]; prompts: (number | null)[]; cells: Record<string, Record<string, number | string | null>> } {
  const g = gridOf(run);
  const cells: Record<string, Record<string, number | string | null>> = {};
  for (const l of g.loads) {
    for (const p of g.prompts) {
      const c = g.at(l, p);
      if (!c) continue;
      const entry: Record<string, number | string | null> = { status: c.status, reason: c.reason ?? null };
      if (c.summary) {
        for (const m of metrics) {
          const st = metricStat(c.summary, m);
          for (const s of statNames) entry[`${m}.${s}`] = st ? st[s] : null;
        }
      }
      cells[`${l}|${p}`] = entry;
    }
  }
  return { loadAxis: g.loadAxis, loads: g.loads, prompts: g.prompts, cells };
}

// Runs in the page: redraws the grid for the chosen metric and statistic. Plain ES2017, no globals leaked.
export const gridScript = `(function(){
var data=JSON.parse(document.getElementById('grid-data').textContent);
var m=document.getElementById('metric'),s=document.getElementById('stat'),body=document.getElementById('grid-body');
function fmt(v){if(v===null||v===undefined||!isFinite(v))return 'n/a';if(v>=10000)return (v/1000).toFixed(1)+'s';if(v>=1000)return (v/1000).toFixed(2)+'s';if(v>=100)return v.toFixed(0)+'ms';if(v>=10)return v.toFixed(1)+'ms';return v.toFixed(2)+'ms';}
function draw(){var rows=[];data.loads.forEach(function(l){var tr=document.createElement('tr');var th=document.createElement('td');th.textContent=data.loadAxis==='rate'?l+'/s':String(l);tr.appendChild(th);
data.prompts.forEach(function(p){var td=document.createElement('td');var c=data.cells[l+'|'+p];if(!c){td.textContent='-';}else if(c.status!=='ok'){td.textContent='n/a';td.className='na';td.title=c.reason||'';}else{td.textContent=fmt(c[m.value+'.'+s.value]);}tr.appendChild(td);});rows.push(tr);});
body.replaceChildren.apply(body,rows);}
m.addEventListener('change',draw);s.addEventListener('change',draw);draw();})();`;

function distributionCharts(title: string, ds: Distribution[], yLabel: string): string {
  return ds
    .filter((d) => d.series.length > 0)
    .map((d) => {
      const xs = d.series.flatMap((s) => s.points.map((p) => p[0]));
      return lineChart({ title: `${title}, prompt ${promptLabel(d.prompt)}`, xLabel: 'ms', yLabel, series: d.series, xMax: Math.max(...xs, 1), yMax: 1, width: 420, height: 260 });
    })
    .join('\n');
}

export function htmlReport(run: BenchRun): string {
  const charts = chartData(run);
  const grid = gridData(run);
  const xLabel = charts.loadAxis === 'rate' ? 'requests/s (Poisson)' : 'concurrent requests';
  const logX = charts.loadAxis === 'concurrency';
  const options = (names: readonly string[], titles?: Record<string, string>): string => names.map((n) => `<option value="${n}">${escapeXml(titles?.[n] ?? n)}</option>`).join('');
  const g = gridOf(run);
  const head = `<tr><th>${charts.loadAxis === 'rate' ? 'rate' : 'concurrency'} \\ prompt tokens</th>${g.prompts.map((p) => `<th>${promptLabel(p)}</th>`).join('')}</tr>`;
  // Server-side first draw, so the grid reads even with scripts off.
  const rows = g.loads
    .map((l) => `<tr><td>${loadLabel(g.loadAxis, l)}</td>${g.prompts.map((p) => {
      const c = g.at(l, p);
      if (!c) return '<td>-</td>';
      if (c.status !== 'ok' || !c.summary) return `<td class="na" title="${escapeXml(c.reason ?? '')}">n/a</td>`;
      return `<td>${formatMs(c.summary.e2eMs.mean)}</td>`;
    }).join('')}</tr>`)
    .join('');
  const warnings = [...run.warnings, ...run.cells.flatMap((c) => (c.warnings ?? []).map((w) => `${cellLabel(c.key)}: ${w}`))];
  const body = `
<h1>relais bench — ${escapeXml(run.target.model)}</h1>
<pre class="meta">${escapeXml(runHeader(run))}</pre>
${warnings.length ? `<div class="warn"><b>Warnings</b><ul>${warnings.map((w) => `<li>${escapeXml(w)}</li>`).join('')}</ul></div>` : ''}
<h2>Grid</h2>
<label>metric <select id="metric">${options(metrics, metricTitles)}</select></label>
<label>statistic <select id="stat">${options(statNames)}</select></label>
<table id="grid"><thead>${head}</thead><tbody id="grid-body">${rows}</tbody></table>
<h2>Latency and throughput</h2>
<div class="charts">
${lineChart({ title: `End-to-end latency vs ${xLabel}`, xLabel, yLabel: 'ms', series: charts.latency, logX })}
${lineChart({ title: `Time to first token vs ${xLabel}`, xLabel, yLabel: 'ms', series: charts.ttft, logX })}
${lineChart({ title: `Output throughput vs ${xLabel}`, xLabel, yLabel: 'tokens/s', series: charts.throughput, logX })}
</div>
<h2>Time to first token, distribution</h2>
<div class="charts">${distributionCharts('TTFT', charts.ttftCdf, 'share of requests ≤ x')}</div>
<h2>Inter-token latency, distribution</h2>
<div class="charts">${distributionCharts('ITL', charts.itlCdf, 'share of token gaps ≤ x')}</div>
<h2>Cells</h2>
<pre>${escapeXml(summaryText(run))}</pre>
${run.findMax ? `<h2>Highest rate meeting the SLO</h2>\n<pre>${escapeXml(findMaxText(run))}</pre>` : ''}
${embedJson('grid-data', grid)}
${embedJson('bench-data', { settings: run.settings, target: { url: run.target.url, model: run.target.model }, date: run.date, charts })}
`;
  return htmlPage(`relais bench — ${run.target.model}`, body, gridScript);
}
