// from/to query parameters: YYYY-MM-DD (to is inclusive: the whole day), ISO date-times or epoch ms,
// from 1970 to the end of year 9999 (MAX_TIME): anything else is a 400 naming the parameter.
import { MAX_TIME, parseIsoTime } from '../../access/settings-schema.js';
import { errors } from '../../protocol/errors.js';

const DAY_MS = 86_400_000;
const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

function parse(name: string, value: string, endOfDay: boolean): number {
  const expected = `expected YYYY-MM-DD, an ISO date-time or epoch ms from 1970 to 9999, got '${value.slice(0, 64)}'`;
  let t: number;
  if (/^\d{1,16}$/.test(value)) t = Number(value);
  else {
    t = parseIsoTime(value);
    if (dateOnly.test(value) && endOfDay) t += DAY_MS;
  }
  // The day after 9999-12-31 is still a valid end (exclusive): one day of slack past MAX_TIME.
  if (!Number.isFinite(t) || t < 0 || t > MAX_TIME + 1 + (endOfDay ? DAY_MS : 0)) {
    throw errors.invalidParam(name, `Invalid request: ${name}: ${expected}.`);
  }
  return t;
}

/** Defaults to the last 30 whole days including today (day-aligned, so rollups answer). */
export function timeRange(query: URLSearchParams, now = Date.now()): { from: number; to: number } {
  const f = query.get('from');
  const t = query.get('to');
  const to = t ? parse('to', t, true) : (Math.floor(now / DAY_MS) + 1) * DAY_MS;
  const from = f ? parse('from', f, false) : Math.max(0, to - 30 * DAY_MS);
  if (from >= to) throw errors.invalidParam('from', 'Invalid request: from must be before to.');
  return { from, to };
}
