// One /metrics for all workers: counters and histograms are summed series by series; gauges (in
// flight, healthy) keep one series per worker, with a `worker` label, since a sum of them can mislead.

export function mergeMetrics(texts: readonly string[]): string {
  const order: string[] = [];
  const headers = new Map<string, string>();
  const types = new Map<string, string>();
  const sums = new Map<string, number>();
  const seriesOf = new Map<string, string[]>();
  texts.forEach((text, worker) => {
    let current = '';
    for (const line of text.split('\n')) {
      if (!line) continue;
      if (line.startsWith('#')) {
        const [, kind, name, ...rest] = line.split(' ');
        if (!name) continue;
        current = name;
        if (!headers.has(name)) {
          headers.set(name, '');
          order.push(name);
          seriesOf.set(name, []);
        }
        // HELP and TYPE once per metric, from the first worker that has it.
        if (!(headers.get(name) ?? '').includes(`# ${kind} ${name} `)) headers.set(name, `${headers.get(name) ?? ''}${line}\n`);
        if (kind === 'TYPE') types.set(name, rest[0] ?? 'untyped');
        continue;
      }
      const space = line.lastIndexOf(' ');
      let series = line.slice(0, space);
      const value = Number(line.slice(space + 1));
      if (types.get(current) === 'gauge') series = withLabel(series, 'worker', String(worker + 1));
      if (!sums.has(series)) seriesOf.get(current)?.push(series);
      sums.set(series, (sums.get(series) ?? 0) + value);
    }
  });
  let out = '';
  for (const name of order) {
    out += headers.get(name) ?? '';
    for (const s of seriesOf.get(name) ?? []) out += `${s} ${sums.get(s)}\n`;
  }
  return out;
}

function withLabel(series: string, name: string, value: string): string {
  const brace = series.indexOf('{');
  if (brace < 0) return `${series}{${name}="${value}"}`;
  return `${series.slice(0, -1)},${name}="${value}"}`;
}
