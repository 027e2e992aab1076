// GET /admin/alerts?limit=N&from=ISO: the alerts raised (budget thresholds, expiring keys) and their delivery.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import { parseIsoTime } from '../../access/settings-schema.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';

export async function alertsHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const q = ctx.query;
  const limitText = q.get('limit') ?? '100';
  const limit = Number(limitText);
  if (!/^\d{1,5}$/.test(limitText) || limit < 1 || limit > 10_000) throw errors.invalidParam('limit', 'limit must be a whole number from 1 to 10000.');
  const fromText = q.get('from');
  const from = fromText === null ? undefined : parseIsoTime(fromText);
  if (from !== undefined && Number.isNaN(from)) throw errors.invalidParam('from', 'from must be an ISO date such as 2026-12-01.');
  const rows = await deps.store.listAlerts({ from, limit });
  const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
  sendJson(res, 200, {
    object: 'list',
    data: rows.map((a) => ({
      id: a.id, kind: a.kind, level: a.level, subject_id: a.subjectId, threshold_percent: a.threshold, period_start: iso(a.periodStart),
      url: a.url, status: a.status, attempts: a.attempts, created_at: iso(a.time), delivered_at: iso(a.deliveredAt), last_error: a.lastError,
      payload: JSON.parse(a.payload) as unknown,
    })),
  });
}
