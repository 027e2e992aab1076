// SQL for the activity views: usage over time (hour or day buckets), optionally split by one dimension,
// filtered by any of them; read from the coarsest rollup table that answers the range exactly.
import type { SqlRow, SqlStatement, SqlValue } from './sql-db.js';
import { num } from './rows.js';
import { DAY_MS, HOUR_MS, totalsFromRow } from './usage-sql.js';
import type { ActivityDimension, ActivityQuery, ActivityRow } from './types.js';

const rollupColumn: Record<ActivityDimension, string> = { key: 'key_id', user: 'user_id', team: 'team_id', model: 'model', backend: 'backend' };
const rawColumn: Record<ActivityDimension, string> = {
  key: "COALESCE(key_id, '')", user: "COALESCE(user_id, '')", team: "COALESCE(team_id, '')", model: 'model', backend: "COALESCE(backend, '')",
};
const filterField: Record<ActivityDimension, 'keyId' | 'userId' | 'teamId' | 'model' | 'backend'> = {
  key: 'keyId', user: 'userId', team: 'teamId', model: 'model', backend: 'backend',
};

const rollupSums = `SUM(requests) AS requests, SUM(errors) AS errors, SUM(prompt_tokens) AS prompt_tokens,
  SUM(completion_tokens) AS completion_tokens, SUM(cached_tokens) AS cached_tokens, SUM(cost) AS cost, SUM(total_ms) AS total_ms`;
const rawSums = `COUNT(*) AS requests, SUM(CASE WHEN outcome <> 'completed' THEN 1 ELSE 0 END) AS errors,
  COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens, COALESCE(SUM(completion_tokens), 0) AS completion_tokens,
  COALESCE(SUM(cached_tokens), 0) AS cached_tokens, COALESCE(SUM(cost), 0) AS cost, SUM(total_ms) AS total_ms`;

interface Source {
  readonly table: string;
  readonly time: string;
  readonly columns: Record<ActivityDimension, string>;
  readonly sums: string;
}

/**
 * Daily rollups when the range is whole days and buckets are days (or none); hourly when whole hours —
 * the small model × backend table unless keys, users or teams are asked about; else raw records.
 */
function sourceFor(q: ActivityQuery): Source {
  const aligned = (ms: number): boolean => q.from % ms === 0 && q.to % ms === 0;
  if (aligned(DAY_MS) && q.bucket !== 'hour') return { table: 'usage_daily', time: 'day', columns: rollupColumn, sums: rollupSums };
  if (aligned(HOUR_MS)) {
    const f = q.filters ?? {};
    const byPeople = f.keyId !== undefined || f.userId !== undefined || f.teamId !== undefined || q.split === 'key' || q.split === 'user' || q.split === 'team';
    return { table: byPeople ? 'usage_hourly' : 'usage_hourly_models', time: 'hour', columns: rollupColumn, sums: rollupSums };
  }
  return { table: 'usage', time: 'time', columns: rawColumn, sums: rawSums };
}

export function activityQuery(q: ActivityQuery): SqlStatement {
  const src = sourceFor(q);
  const select: string[] = [];
  const group: string[] = [];
  if (q.bucket) {
    const ms = q.bucket === 'hour' ? HOUR_MS : DAY_MS;
    select.push(`(${src.time} / ${ms}) * ${ms} AS t`);
    group.push('t');
  }
  if (q.split) {
    select.push(`${src.columns[q.split]} AS grp`);
    group.push('grp');
  }
  const where = [`${src.time} >= ?`, `${src.time} < ?`];
  const params: SqlValue[] = [q.from, q.to];
  for (const dim of Object.keys(filterField) as ActivityDimension[]) {
    const v = q.filters?.[filterField[dim]];
    if (v === undefined) continue;
    where.push(`${src.columns[dim]} = ?`);
    params.push(v);
  }
  if (q.split && q.groups) {
    // Only these values of the split dimension (the top ones the caller will draw).
    if (q.groups.length === 0) where.push('1 = 0');
    else where.push(`${src.columns[q.split]} IN (${q.groups.map(() => '?').join(', ')})`);
    params.push(...q.groups);
  }
  const groupBy = group.length > 0 ? ` GROUP BY ${group.join(', ')}` : '';
  // Ranked lists (no buckets) come most expensive first; series in time order.
  const order = q.bucket ? ` ORDER BY ${group.join(', ')}` : q.split ? ' ORDER BY cost DESC, requests DESC, grp' : '';
  const limit = q.limit !== undefined ? ` LIMIT ${Math.floor(q.limit)}` : '';
  return { sql: `SELECT ${[...select, src.sums].join(', ')} FROM ${src.table} WHERE ${where.join(' AND ')}${groupBy}${order}${limit}`, params };
}

export function activityFromRow(r: SqlRow): ActivityRow {
  return { time: r.t === undefined ? null : num(r.t), group: r.grp === undefined ? null : String(r.grp ?? ''), ...totalsFromRow(r) };
}
