// GET /admin/logs: prompt/response logs of keys with `logging: full`, searchable by key, model, date and
// text, each with the retention that applies to it. Bodies are returned as stored (JSON, SSE or NDJSON text).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';
import { timeRange } from './time-range.js';

export async function logsHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const q = ctx.query;
  const limit = Number(q.get('limit') ?? '100');
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw errors.invalidParam('limit', 'Invalid request: limit: expected a whole number from 1 to 1000.');
  const range = q.has('from') || q.has('to') ? timeRange(q) : { from: undefined, to: undefined };
  const opt = (n: string): string | undefined => {
    const v = q.get(n);
    return v === null || v === '' ? undefined : v;
  };
  const text = opt('q');
  if (text !== undefined && text.length > 200) throw errors.invalidParam('q', 'Invalid request: q: at most 200 characters.');
  await deps.usage?.flush().catch(() => undefined);
  const [rows, keys] = await Promise.all([
    deps.store.searchPromptLogs({ keyId: opt('key'), model: opt('model'), ...range, text, limit }),
    deps.store.listKeys(),
  ]);
  const byId = new Map(keys.map((k) => [k.id, k]));
  sendJson(res, 200, {
    object: 'list',
    data: rows.map((r) => {
      const k = r.keyId === null ? undefined : byId.get(r.keyId);
      return {
        request_id: r.requestId,
        time: new Date(r.time).toISOString(),
        key_id: r.keyId,
        key_name: k?.name ?? null,
        model: r.model,
        request: r.request,
        response: r.response,
        retention_days: k?.logRetentionDays ?? null,
        expires_at: new Date(r.expiresAt).toISOString(),
      };
    }),
  });
}
