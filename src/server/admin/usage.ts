// GET /admin/usage?group_by=key|user|team|model|backend|day&from=&to=[&key=][&format=csv] and GET /admin/audit.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import { usageGroups, type UsageGroup, type UsageRollupRow, type UsageTotals } from '../../store/types.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import { toCsv } from './csv.js';
import type { AdminDeps } from './deps.js';
import { timeRange } from './time-range.js';

const columns = ['group', 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost', 'avg_ms'] as const;

export function rollupToJson(r: UsageRollupRow): Record<(typeof columns)[number], string | number> {
  return { group: r.group, ...totalsToJson(r) };
}

/** Sums as the API shows them: snake_case, cost rounded to 1e-6, the mean duration. */
export function totalsToJson(r: UsageTotals): Record<Exclude<(typeof columns)[number], 'group'>, number> {
  return {
    requests: r.requests,
    errors: r.errors,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    cached_tokens: r.cachedTokens,
    cost: Math.round(r.cost * 1e6) / 1e6,
    avg_ms: r.requests > 0 ? Math.round((r.totalMs / r.requests) * 10) / 10 : 0,
  };
}

export function groupOf(query: URLSearchParams): UsageGroup {
  const g = query.get('group_by') ?? 'day';
  if (!(usageGroups as readonly string[]).includes(g)) {
    throw errors.invalidParam('group_by', `Invalid request: group_by: expected one of ${usageGroups.join(', ')}, got '${g}'.`);
  }
  return g as UsageGroup;
}

export async function usageHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const groupBy = groupOf(ctx.query);
  const { from, to } = timeRange(ctx.query);
  const format = ctx.query.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw errors.invalidParam('format', `Invalid request: format: expected json or csv, got '${format}'.`);
  await deps.usage?.flush().catch(() => undefined);
  const rows = (await deps.store.usage({ groupBy, from, to, keyId: ctx.query.get('key') ?? undefined })).map(rollupToJson);
  if (format === 'csv') {
    const body = toCsv(columns, rows);
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  sendJson(res, 200, { object: 'list', group_by: groupBy, from: new Date(from).toISOString(), to: new Date(to).toISOString(), data: rows });
}

export async function auditHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const limitText = ctx.query.get('limit') ?? '100';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw errors.invalidParam('limit', 'Invalid request: limit: expected a whole number from 1 to 10000.');
  const range = ctx.query.has('from') || ctx.query.has('to') ? timeRange(ctx.query) : { from: undefined, to: undefined };
  const rows = await deps.store.listAudit({ ...range, limit });
  sendJson(res, 200, {
    object: 'list',
    data: rows.map((a) => ({ id: a.id, time: new Date(a.time).toISOString(), actor: a.actor, action: a.action, target_type: a.targetType, target_id: a.targetId, detail: a.detail })),
  });
}
