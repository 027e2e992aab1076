// SQL for usage: batched inserts, daily rollup upserts, and the rollup queries.
import type { UsageRecord } from '../usage/record.js';
import type { SqlRow, SqlStatement, SqlValue } from './sql-db.js';
import { num } from './rows.js';
import type { JournalMark, UsageGroup, UsageQuery, UsageRollupRow, UsageTotals } from './types.js';

export const DAY_MS = 86_400_000;

const usageColumns = [
  'request_id', 'time', 'key_id', 'user_id', 'team_id', 'model', 'endpoint', 'backend', 'status', 'outcome',
  'prompt_tokens', 'completion_tokens', 'cached_tokens', 'tokens_estimated', 'cost', 'queue_ms', 'ttft_ms',
  'total_ms', 'stream', 'finish_reason', 'error',
] as const;

// Integer columns get integers: times may arrive with sub-millisecond fractions, which PostgreSQL's BIGINT refuses.
const int = (n: number | undefined): number | null => (n === undefined ? null : Math.round(n));

function usageValues(r: UsageRecord): SqlValue[] {
  return [
    r.requestId, Math.round(r.time), r.keyId ?? null, r.userId ?? null, r.teamId ?? null, r.model, r.endpoint, r.backend ?? null,
    Math.round(r.status), r.outcome, int(r.promptTokens), int(r.completionTokens), int(r.cachedTokens),
    r.tokensEstimated ? 1 : 0, r.cost ?? null, r.queueMs, r.ttftMs ?? null, r.totalMs, r.stream ? 1 : 0,
    r.finishReason ?? null, r.error ?? null,
  ];
}

// 100 rows × 21 columns stays well under both databases' parameter limits.
const CHUNK = 100;
const rowPlaceholder = `(${usageColumns.map(() => '?').join(', ')})`;

export function usageInserts(records: readonly UsageRecord[]): SqlStatement[] {
  const out: SqlStatement[] = [];
  for (let i = 0; i < records.length; i += CHUNK) {
    const chunk = records.slice(i, i + CHUNK);
    out.push({
      sql: `INSERT INTO usage (${usageColumns.join(', ')}) VALUES ${chunk.map(() => rowPlaceholder).join(', ')}`,
      params: chunk.flatMap(usageValues),
    });
  }
  return out;
}

interface RollupCell {
  bucket: number;
  key: string;
  user: string;
  team: string;
  model: string;
  backend: string;
  requests: number;
  errors: number;
  prompt: number;
  completion: number;
  cached: number;
  cost: number;
  totalMs: number;
}

export const HOUR_MS = 3_600_000;

/**
 * The rollup tables: one row per bucket × key × user × team × model × backend ('' for none), and an
 * hourly one by model and backend only (far fewer rows: hour buckets over weeks stay fast).
 */
const rollupTables = {
  daily: { table: 'usage_daily', column: 'day', ms: DAY_MS, dims: ['key_id', 'user_id', 'team_id', 'model', 'backend'] },
  hourly: { table: 'usage_hourly', column: 'hour', ms: HOUR_MS, dims: ['key_id', 'user_id', 'team_id', 'model', 'backend'] },
  hourlyModels: { table: 'usage_hourly_models', column: 'hour', ms: HOUR_MS, dims: ['model', 'backend'] },
} as const;

const dimIndex: Record<string, number> = { key_id: 0, user_id: 1, team_id: 2, model: 3, backend: 4 };

function rollupUpsert(t: (typeof rollupTables)[keyof typeof rollupTables], rows: number): string {
  const row = `(${new Array<string>(t.dims.length + 8).fill('?').join(', ')})`;
  return `INSERT INTO ${t.table}
  (${t.column}, ${t.dims.join(', ')}, requests, errors, prompt_tokens, completion_tokens, cached_tokens, cost, total_ms)
  VALUES ${new Array<string>(rows).fill(row).join(', ')}
  ON CONFLICT (${t.column}, ${t.dims.join(', ')}) DO UPDATE SET
    requests = ${t.table}.requests + excluded.requests,
    errors = ${t.table}.errors + excluded.errors,
    prompt_tokens = ${t.table}.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = ${t.table}.completion_tokens + excluded.completion_tokens,
    cached_tokens = ${t.table}.cached_tokens + excluded.cached_tokens,
    cost = ${t.table}.cost + excluded.cost,
    total_ms = ${t.table}.total_ms + excluded.total_ms`;
}

// Many cells per statement: one round trip per 100 rows instead of one per row (PostgreSQL).
// A batch's cells are distinct, as one multi-row ON CONFLICT statement requires.
const upsertSql = new Map<string, string>();
function upsertFor(which: keyof typeof rollupTables, rows: number): string {
  const id = `${which}:${rows}`;
  let sql = upsertSql.get(id);
  if (sql === undefined) {
    sql = rollupUpsert(rollupTables[which], rows);
    upsertSql.set(id, sql);
  }
  return sql;
}

/** Aggregates a batch per bucket and dimensions, sorted so concurrent writers lock rows in the same order. */
function rollupUpserts(records: readonly UsageRecord[], which: keyof typeof rollupTables): SqlStatement[] {
  const size = rollupTables[which].ms;
  const kept = rollupTables[which].dims.map((d) => dimIndex[d] as number);
  const cells = new Map<string, RollupCell>();
  for (const r of records) {
    const bucket = Math.floor(r.time / size) * size;
    const all = [r.keyId ?? '', r.userId ?? '', r.teamId ?? '', r.model, r.backend ?? ''];
    // Dimensions the table does not have are '' (the cell then sums over them).
    const dims = all.map((v, i) => (kept.includes(i) ? v : '')) as [string, string, string, string, string];
    const id = `${bucket}\u0000${dims.join('\u0000')}`;
    let c = cells.get(id);
    if (!c) {
      c = { bucket, key: dims[0], user: dims[1], team: dims[2], model: dims[3], backend: dims[4], requests: 0, errors: 0, prompt: 0, completion: 0, cached: 0, cost: 0, totalMs: 0 };
      cells.set(id, c);
    }
    c.requests += 1;
    if (r.outcome !== 'completed') c.errors += 1;
    c.prompt += int(r.promptTokens) ?? 0;
    c.completion += int(r.completionTokens) ?? 0;
    c.cached += int(r.cachedTokens) ?? 0;
    c.cost += r.cost ?? 0;
    c.totalMs += r.totalMs;
  }
  const sorted = [...cells.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
  const out: SqlStatement[] = [];
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const chunk = sorted.slice(i, i + CHUNK);
    out.push({
      sql: upsertFor(which, chunk.length),
      params: chunk.flatMap((c) => {
        const dims: Record<string, string> = { key_id: c.key, user_id: c.user, team_id: c.team, model: c.model, backend: c.backend };
        return [c.bucket, ...rollupTables[which].dims.map((d) => dims[d] as string), c.requests, c.errors, c.prompt, c.completion, c.cached, c.cost, c.totalMs];
      }),
    });
  }
  return out;
}

/** Daily and hourly rollup upserts for a batch of records. */
export function rollupStatements(records: readonly UsageRecord[]): SqlStatement[] {
  return [...rollupUpserts(records, 'daily'), ...rollupUpserts(records, 'hourly'), ...rollupUpserts(records, 'hourlyModels')];
}

/** Batches are written in sequence order, so the last one written holds the highest mark. */
export function journalMarkUpsert(mark: JournalMark): SqlStatement {
  return {
    sql: `INSERT INTO usage_journal (journal_id, seq, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (journal_id) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at`,
    params: [mark.journalId, mark.seq, Date.now()],
  };
}

const dailyColumn: Record<UsageGroup, string> = {
  key: 'key_id', user: 'user_id', team: 'team_id', model: 'model', backend: 'backend', day: 'day',
};

const rawColumn: Record<UsageGroup, string> = {
  key: "COALESCE(key_id, '')",
  user: "COALESCE(user_id, '')",
  team: "COALESCE(team_id, '')",
  model: 'model',
  backend: "COALESCE(backend, '')",
  day: `(time / ${DAY_MS}) * ${DAY_MS}`,
};

export function usageQuery(q: UsageQuery): SqlStatement {
  const aligned = q.from % DAY_MS === 0 && q.to % DAY_MS === 0;
  const keyFilter = q.keyId === undefined ? '' : ' AND key_id = ?';
  const params: SqlValue[] = [q.from, q.to, ...(q.keyId === undefined ? [] : [q.keyId])];
  if (aligned) {
    const g = dailyColumn[q.groupBy];
    return {
      sql: `SELECT ${g} AS grp, SUM(requests) AS requests, SUM(errors) AS errors, SUM(prompt_tokens) AS prompt_tokens,
        SUM(completion_tokens) AS completion_tokens, SUM(cached_tokens) AS cached_tokens, SUM(cost) AS cost, SUM(total_ms) AS total_ms
        FROM usage_daily WHERE day >= ? AND day < ?${keyFilter} GROUP BY ${g} ORDER BY ${g}`,
      params,
    };
  }
  const g = rawColumn[q.groupBy];
  return {
    sql: `SELECT ${g} AS grp, COUNT(*) AS requests, SUM(CASE WHEN outcome <> 'completed' THEN 1 ELSE 0 END) AS errors,
      COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens, COALESCE(SUM(completion_tokens), 0) AS completion_tokens,
      COALESCE(SUM(cached_tokens), 0) AS cached_tokens, COALESCE(SUM(cost), 0) AS cost, SUM(total_ms) AS total_ms
      FROM usage WHERE time >= ? AND time < ?${keyFilter} GROUP BY ${g} ORDER BY ${g}`,
    params,
  };
}

export function rollupFromRow(groupBy: UsageGroup, r: SqlRow): UsageRollupRow {
  const group = groupBy === 'day' ? new Date(num(r.grp)).toISOString().slice(0, 10) : String(r.grp ?? '');
  return { group, ...totalsFromRow(r) };
}

/** The sums every usage query selects (requests, errors, prompt_tokens, …). */
export function totalsFromRow(r: SqlRow): UsageTotals {
  return {
    requests: num(r.requests),
    errors: num(r.errors),
    promptTokens: num(r.prompt_tokens),
    completionTokens: num(r.completion_tokens),
    cachedTokens: num(r.cached_tokens),
    cost: num(r.cost),
    totalMs: num(r.total_ms),
  };
}
