// Line charts as inline SVG strings: the HTML report must open offline, so no chart library or CDN.
// Points outside the axis range are clamped to its edge; missing points (n/a cells) break the line.

export interface Series {
  name: string;
  points: [number, number][];
  color?: string;
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Log2 x axis (concurrency doubling). */
  logX?: boolean;
  xMax?: number;
  yMax?: number;
  /** Formats tick labels. */
  xFormat?: (v: number) => string;
  yFormat?: (v: number) => string;
  width?: number;
  height?: number;
}

export const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceStep(range: number, count: number): number {
  const raw = range / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm >= 5 ? 10 : norm >= 2 ? 5 : norm >= 1 ? 2 : 1) * mag;
}

function linearTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const step = niceStep(max, 5);
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v / step) * step);
  if ((out[out.length - 1] ?? 0) < max) out.push((out[out.length - 1] ?? 0) + step);
  return out;
}

const compact = (v: number): string => (Math.abs(v) >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(2)}`);

export function lineChart(spec: ChartSpec): string {
  const W = spec.width ?? 560;
  const H = spec.height ?? 320;
  const m = { l: 62, r: 165, t: 30, b: 44 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const fx = spec.xFormat ?? compact;
  const fy = spec.yFormat ?? compact;
  const logX = spec.logX === true && xs.length > 0 && xs.every((x) => x > 0);
  const xMin = logX ? Math.min(...xs) : 0;
  const xTop = spec.xMax ?? (xs.length ? Math.max(...xs) : 1);
  const yTicks = linearTicks(spec.yMax ?? (ys.length ? Math.max(...ys) : 1));
  const yTop = yTicks[yTicks.length - 1] ?? 1;
  const xTicks = logX ? [...new Set(xs)].sort((a, b) => a - b) : linearTicks(xTop);
  const xEnd = logX ? xTop : (xTicks[xTicks.length - 1] ?? 1);
  const sx = (x: number): number => {
    const c = Math.min(Math.max(x, xMin), xEnd);
    if (logX) return m.l + (xEnd === xMin ? pw / 2 : (Math.log2(c / xMin) / Math.log2(xEnd / xMin)) * pw);
    return m.l + (c / (xEnd || 1)) * pw;
  };
  const sy = (y: number): number => m.t + ph - (Math.min(Math.max(y, 0), yTop) / (yTop || 1)) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(spec.title)}">`);
  parts.push(`<text x="${m.l}" y="18" class="title">${escapeXml(spec.title)}</text>`);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y}" y2="${y}" class="grid"/><text x="${m.l - 6}" y="${y}" class="ytick">${escapeXml(fy(t))}</text>`);
  }
  for (const t of xTicks) {
    const x = sx(t).toFixed(1);
    parts.push(`<line x1="${x}" x2="${x}" y1="${m.t + ph}" y2="${m.t + ph + 4}" class="axis"/><text x="${x}" y="${m.t + ph + 16}" class="xtick">${escapeXml(fx(t))}</text>`);
  }
  parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${m.t + ph}" y2="${m.t + ph}" class="axis"/><line x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${m.t + ph}" class="axis"/>`);
  parts.push(`<text x="${m.l + pw / 2}" y="${H - 6}" class="xlabel">${escapeXml(spec.xLabel)}</text>`);
  parts.push(`<text transform="translate(14 ${m.t + ph / 2}) rotate(-90)" class="ylabel">${escapeXml(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const color = s.color ?? palette[i % palette.length] ?? '#333';
    if (s.points.length > 0) {
      const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
      if (s.points.length <= 16) {
        for (const p of s.points) {
          parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="3" fill="${color}"><title>${escapeXml(`${s.name}: ${fx(p[0])} → ${fy(p[1])}`)}</title></circle>`);
        }
      }
    }
    const ly = m.t + 10 + i * 16;
    parts.push(`<line x1="${m.l + pw + 12}" x2="${m.l + pw + 30}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/><text x="${m.l + pw + 35}" y="${ly + 4}" class="legend">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('');
}
