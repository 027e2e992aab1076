// The series behind the report's charts, computed once and both drawn (SVG) and embedded (JSON).
import type { BenchRun } from './run-types.js';
import { gridOf, loadOf, promptLabel, type Grid } from './grid.js';
import { cdfPoints } from './stats.js';
import { palette, type Series } from './svg-chart.js';

export interface Distribution {
  prompt: number | null;
  series: Series[];
}

export interface ChartData {
  loadAxis: Grid['loadAxis'];
  latency: Series[];
  ttft: Series[];
  throughput: Series[];
  ttftCdf: Distribution[];
  itlCdf: Distribution[];
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

export function chartData(run: BenchRun): ChartData {
  const g = gridOf(run);
  const perPrompt = (pick: (load: number, p: number | null) => number | undefined, suffix = '', dashed = false): Series[] =>
    g.prompts.map((p, i) => {
      const points = g.loads.flatMap((l): [number, number][] => {
        const v = pick(l, p);
        return v === undefined || !Number.isFinite(v) ? [] : [[l, round(v)]];
      });
      return { name: `prompt ${promptLabel(p)}${suffix}${points.length === 0 ? ' (n/a)' : ''}`, dashed, color: palette[i % palette.length], points };
    });
  const ok = (l: number, p: number | null) => {
    const c = g.at(l, p);
    return c && c.status === 'ok' ? c.summary : null;
  };
  const distribution = (pick: 'ttft' | 'itl'): Distribution[] =>
    g.prompts.map((p) => ({
      prompt: p,
      series: run.cells
        .filter((c) => c.key.promptTokens === p && c.status === 'ok')
        .map((c) => {
          const values: number[] = [];
          for (const s of c.samples) {
            if (s.warmup || !s.ok) continue;
            if (pick === 'ttft' && s.ttftMs !== undefined) values.push(s.ttftMs);
            if (pick === 'itl' && s.itlMs) for (const v of s.itlMs) values.push(v);
          }
          const label = g.loadAxis === 'rate' ? `${loadOf(c)}/s` : `c=${loadOf(c)}`;
          return { name: label, points: cdfPoints(values).map(([x, y]): [number, number] => [round(x), round(y)]) };
        })
        .filter((s) => s.points.length > 0),
    }));
  return {
    loadAxis: g.loadAxis,
    latency: [
      ...perPrompt((l, p) => ok(l, p)?.e2eMs.mean, ' mean'),
      ...perPrompt((l, p) => ok(l, p)?.e2eMs.p90, ' p90', true),
    ],
    ttft: perPrompt((l, p) => ok(l, p)?.ttftMs?.mean),
    throughput: perPrompt((l, p) => ok(l, p)?.outputTokenThroughput),
    ttftCdf: distribution('ttft'),
    itlCdf: distribution('itl'),
  };
}
