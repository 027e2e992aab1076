// Reading usage records back, in time order, a page at a time (the planner derives a load profile from them).
import type { Endpoint } from '../protocol/canonical.js';
import type { Outcome, UsageRecord } from '../usage/record.js';
import { num } from './rows.js';
import type { SqlRow, SqlStatement, SqlValue } from './sql-db.js';
import type { UsageListQuery } from './types.js';

const columnNames = [
  'request_id', 'time', 'key_id', 'user_id', 'team_id', 'model', 'endpoint', 'backend', 'status', 'outcome', 'prompt_tokens',
  'completion_tokens', 'cached_tokens', 'tokens_estimated', 'cost', 'queue_ms', 'ttft_ms', 'total_ms', 'stream', 'finish_reason', 'error',
];

/**
 * Records with from ≤ time < to, after the cursor (time, then request id), oldest first; with
 * `prompts`, each with its prompt log's request and response (NULL when it has none).
 */
export function usageListQuery(q: UsageListQuery, prompts = false): SqlStatement {
  const u = prompts ? 'u.' : '';
  // The cursor's time is the range's lower bound: each page starts where the last ended in the
  // (time, request_id) index instead of scanning from `from` again.
  const params: SqlValue[] = [q.after ? Math.max(q.from, q.after.time) : q.from, q.to];
  let cursor = '';
  if (q.after) {
    cursor = ` AND (${u}time > ? OR ${u}request_id > ?)`;
    params.push(q.after.time, q.after.requestId);
  }
  params.push(q.limit);
  const select = columnNames.map((c) => `${u}${c}`).join(', ');
  const from = prompts
    ? `${select}, p.request AS prompt_request, p.response AS prompt_response FROM usage u LEFT JOIN prompt_logs p ON p.request_id = u.request_id`
    : `${select} FROM usage`;
  return { sql: `SELECT ${from} WHERE ${u}time >= ? AND ${u}time < ?${cursor} ORDER BY ${u}time, ${u}request_id LIMIT ?`, params };
}

const opt = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : num(v));
const optStr = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));

export function usageFromRow(r: SqlRow): UsageRecord {
  return {
    requestId: String(r.request_id), time: num(r.time), keyId: optStr(r.key_id), userId: optStr(r.user_id), teamId: optStr(r.team_id),
    model: String(r.model), endpoint: String(r.endpoint) as Endpoint, backend: optStr(r.backend), status: num(r.status),
    outcome: String(r.outcome) as Outcome, promptTokens: opt(r.prompt_tokens), completionTokens: opt(r.completion_tokens),
    cachedTokens: opt(r.cached_tokens), tokensEstimated: num(r.tokens_estimated) === 1, cost: opt(r.cost), queueMs: num(r.queue_ms),
    ttftMs: opt(r.ttft_ms), totalMs: num(r.total_ms), stream: num(r.stream) === 1, finishReason: optStr(r.finish_reason), error: optStr(r.error),
  };
}
