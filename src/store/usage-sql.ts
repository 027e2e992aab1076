// SQL for usage: batched inserts, daily rollup upserts, and the rollup queries.
import type { UsageRecord } from '../usage/record.js';
import type { SqlRow, SqlStatement, SqlValue } from './sql-db.js';
import { num } from './rows.js';
import type { JournalMark, UsageGroup, UsageQuery, UsageRollupRow } from './types.js';

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

interface DailyCell {
  day: number;
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

const dailyUpsert = `INSERT INTO usage_daily
  (day, key_id, user_id, team_id, model, backend, requests, errors, prompt_tokens, completion_tokens, cached_tokens, cost, total_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (day, key_id, user_id, team_id, model, backend) DO UPDATE SET
    requests = usage_daily.requests + excluded.requests,
    errors = usage_daily.errors + excluded.errors,
    prompt_tokens = usage_daily.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = usage_daily.completion_tokens + excluded.completion_tokens,
    cached_tokens = usage_daily.cached_tokens + excluded.cached_tokens,
    cost = usage_daily.cost + excluded.cost,
    total_ms = usage_daily.total_ms + excluded.total_ms`;

/** Aggregates a batch per day and dimensions, sorted so concurrent writers lock rows in the same order. */
export function dailyUpserts(records: readonly UsageRecord[]): SqlStatement[] {
  const cells = new Map<string, DailyCell>();
  for (const r of records) {
    const day = Math.floor(r.time / DAY_MS) * DAY_MS;
    const dims = [r.keyId ?? '', r.userId ?? '', r.teamId ?? '', r.model, r.backend ?? ''] as const;
    const id = `${day}\u0000${dims.join('\u0000')}`;
    let c = cells.get(id);
    if (!c) {
      c = { day, key: dims[0], user: dims[1], team: dims[2], model: dims[3], backend: dims[4], requests: 0, errors: 0, prompt: 0, completion: 0, cached: 0, cost: 0, totalMs: 0 };
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
  return [...cells.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, c]) => ({
      sql: dailyUpsert,
      params: [c.day, c.key, c.user, c.team, c.model, c.backend, c.requests, c.errors, c.prompt, c.completion, c.cached, c.cost, c.totalMs],
    }));
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
  return {
    group,
    requests: num(r.requests),
    errors: num(r.errors),
    promptTokens: num(r.prompt_tokens),
    completionTokens: num(r.completion_tokens),
    cachedTokens: num(r.cached_tokens),
    cost: num(r.cost),
    totalMs: num(r.total_ms),
  };
}
