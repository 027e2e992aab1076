// from/to query parameters: YYYY-MM-DD (to is inclusive: the whole day), ISO date-times or epoch ms.
import { errors } from '../../protocol/errors.js';

const DAY_MS = 86_400_000;
const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

function parse(name: string, value: string, endOfDay: boolean): number {
  if (/^\d+$/.test(value)) return Number(value);
  const t = Date.parse(dateOnly.test(value) ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(t)) throw errors.invalidParam(name, `Invalid request: ${name}: expected YYYY-MM-DD, an ISO date-time or epoch ms, got '${value}'.`);
  return dateOnly.test(value) && endOfDay ? t + DAY_MS : t;
}

/** Defaults to the last 30 whole days including today (day-aligned, so rollups answer). */
export function timeRange(query: URLSearchParams, now = Date.now()): { from: number; to: number } {
  const f = query.get('from');
  const t = query.get('to');
  const to = t ? parse('to', t, true) : (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  const from = f ? parse('from', f, false) : to - 30 * DAY_MS;
  if (from >= to) throw errors.invalidParam('from', 'Invalid request: from must be before to.');
  return { from, to };
}
