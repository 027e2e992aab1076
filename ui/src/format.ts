// Number and date formatting shared by the pages.
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function credits(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  return n === 0 ? '0' : Math.abs(n) < 0.01 ? n.toFixed(6) : n.toFixed(4);
}

export function maybe(n: number | null | undefined, digits = 1, unit = ''): string {
  return n === null || n === undefined || !Number.isFinite(n) ? '—' : `${n.toFixed(digits)}${unit}`;
}

export function percent(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : `${(n * 100).toFixed(0)}%`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/:00Z$/, 'Z');
}

/** YYYY-MM-DD of a date in UTC (the gateway's buckets are UTC). */
export function isoDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}
