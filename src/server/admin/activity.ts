// GET /admin/activity (every key) and GET /v1/key/activity (the caller's own key): usage over time in hour
// or day buckets, optionally split by key/user/team/model/backend, filtered by any of them, plus totals
// and the top keys and models of the range. Whole hours/days read the rollup tables.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import type { ActivityDimension, ActivityFilters, ActivityRow } from '../../store/types.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';
import { timeRange } from './time-range.js';
import { totalsToJson } from './usage.js';

const dimensions: readonly ActivityDimension[] = ['key', 'user', 'team', 'model', 'backend'];
const HOUR_MS = 3_600_000;
/** Hour buckets over longer ranges than this would draw more points than a chart shows. */
const MAX_HOURLY_DAYS = 93;

function activityJson(r: ActivityRow): Record<string, string | number> {
  return {
    ...(r.time !== null ? { time: new Date(r.time).toISOString() } : {}),
    ...(r.group !== null ? { group: r.group } : {}),
    ...totalsToJson(r),
  };
}

function choice<T extends string>(query: URLSearchParams, name: string, options: readonly T[]): T | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  if (!(options as readonly string[]).includes(v)) throw errors.invalidParam(name, `Invalid request: ${name}: expected one of ${options.join(', ')}, got '${v}'.`);
  return v as T;
}

function filtersOf(query: URLSearchParams): ActivityFilters {
  const get = (n: string): string | undefined => {
    const v = query.get(n);
    return v === null || v === '' ? undefined : v;
  };
  return { keyId: get('key'), userId: get('user'), teamId: get('team'), model: get('model'), backend: get('backend') };
}

async function answer(res: ServerResponse, query: URLSearchParams, deps: AdminDeps, filters: ActivityFilters, ownKey: boolean): Promise<void> {
  const { from, to } = timeRange(query);
  const bucket = choice(query, 'bucket', ['hour', 'day'] as const) ?? (to - from > 3 * 24 * HOUR_MS ? 'day' : 'hour');
  if (bucket === 'hour' && to - from > MAX_HOURLY_DAYS * 24 * HOUR_MS) {
    throw errors.invalidParam('bucket', `Invalid request: bucket: hour buckets cover at most ${MAX_HOURLY_DAYS} days; use bucket=day.`);
  }
  const split = choice(query, 'split', dimensions);
  const topText = query.get('top') ?? '10';
  const top = Number(topText);
  if (!Number.isInteger(top) || top < 1 || top > 1000) throw errors.invalidParam('top', 'Invalid request: top: expected a whole number from 1 to 1000.');
  const splitTopText = query.get('split_top') ?? '10';
  const splitTop = Number(splitTopText);
  if (!Number.isInteger(splitTop) || splitTop < 1 || splitTop > 100) throw errors.invalidParam('split_top', 'Invalid request: split_top: expected a whole number from 1 to 100.');
  await deps.usage?.flush().catch(() => undefined);
  const base = { from, to, filters };
  // A split draws its most expensive groups only: the series are asked for those alone.
  const groups = split ? (await deps.store.activity({ ...base, split, limit: splitTop })).map((r) => r.group ?? '') : undefined;
  const [series, totals, keys, models] = await Promise.all([
    deps.store.activity({ ...base, bucket, split, groups }),
    deps.store.activity(base),
    ownKey ? Promise.resolve([]) : deps.store.activity({ ...base, split: 'key', limit: top }),
    deps.store.activity({ ...base, split: 'model', limit: top }),
  ]);
  sendJson(res, 200, {
    object: 'activity',
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    bucket,
    split: split ?? null,
    split_groups: groups ?? null,
    totals: activityJson(totals[0] ?? { time: null, group: null, requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, cost: 0, totalMs: 0 }),
    series: series.map(activityJson),
    top: { keys: keys.map(activityJson), models: models.map(activityJson) },
  });
}

export async function activityHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  await answer(res, ctx.query, deps, filtersOf(ctx.query), false);
}

/** The same view of the caller's own key only (a key filter in the query cannot widen it). */
export async function ownActivityHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const keyId = ctx.principal.keyId;
  if (keyId === undefined) throw errors.invalidParam('key', 'Invalid request: this gateway is open (no key): use GET /admin/activity.');
  await answer(res, ctx.query, deps, { ...filtersOf(ctx.query), keyId }, true);
}
