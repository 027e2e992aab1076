// A uPlot chart: x values (epoch seconds for time axes) and one or more named series. The canvas is
// labelled for screen readers; every chart sits beside a table of the same numbers.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export interface ChartSeries {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color?: string;
  readonly dashed?: boolean;
}

export interface ChartProps {
  readonly title: string;
  readonly x: readonly number[];
  readonly series: readonly ChartSeries[];
  /** x is epoch seconds (time axis) rather than a plain number. */
  readonly time?: boolean;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly height?: number;
  /** Log-scale x axis (bench load axes). */
  readonly logX?: boolean;
  readonly points?: boolean;
}

export function Chart(p: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const width = Math.max(280, el.clientWidth || 600);
    const opts: uPlot.Options = {
      width,
      height: p.height ?? 220,
      scales: { x: { time: p.time === true, ...(p.logX ? { distr: 3, log: 2 } : {}) } },
      axes: [{ label: p.xLabel, stroke: '#333' }, { label: p.yLabel, stroke: '#333', size: 60 }],
      legend: { show: true },
      series: [
        {},
        ...p.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? palette[i % palette.length],
          width: 2,
          dash: s.dashed ? [6, 4] : undefined,
          points: { show: p.points ?? p.x.length < 60 },
          spanGaps: false,
        })),
      ],
    };
    const data = [p.x as number[], ...p.series.map((s) => s.values as (number | null)[])] as uPlot.AlignedData;
    const plot = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => {
      const w = el.clientWidth;
      if (w > 0 && Math.abs(w - plot.width) > 4) plot.setSize({ width: w, height: p.height ?? 220 });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [p.x, p.series, p.time, p.height, p.logX]);
  return (
    <figure class="chart">
      <figcaption>{p.title}</figcaption>
      <div ref={box} role="img" aria-label={`${p.title}: chart of ${p.series.map((s) => s.label).join(', ')}`} />
    </figure>
  );
}
