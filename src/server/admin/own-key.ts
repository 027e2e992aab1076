// GET /v1/key: the caller's own key — limits, usage this period, what remains (as OpenRouter's /api/v1/key).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { keyToJson } from '../../access/settings-schema.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';

export async function ownKeyHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const status = await deps.access.status(ctx.principal);
  const k = status.key;
  if (!k || !status.period) {
    sendJson(res, 200, { data: { kind: ctx.principal.kind, admin: ctx.principal.admin, limits: null, usage: null } });
    return;
  }
  const { start, end } = status.period;
  await deps.usage?.flush().catch(() => undefined);
  // Period starts are UTC day starts: the daily rollups answer without scanning raw records.
  const rows = await deps.store.usage({ groupBy: 'key', from: start, to: (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000, keyId: k.id });
  const used = rows[0];
  const lim = status.limits;
  const spent = lim?.budget?.spent ?? used?.cost ?? 0;
  const reserved = lim?.budget?.reserved ?? 0;
  sendJson(res, 200, {
    data: {
      ...keyToJson(k),
      period: { name: k.budgetPeriod, start: new Date(start).toISOString(), end: end === null ? null : new Date(end).toISOString() },
      usage: {
        requests: used?.requests ?? 0,
        prompt_tokens: used?.promptTokens ?? 0,
        completion_tokens: used?.completionTokens ?? 0,
        cost: Math.round(spent * 1e6) / 1e6,
        reserved: Math.round(reserved * 1e6) / 1e6,
      },
      remaining: {
        budget: k.budget === null ? null : Math.max(0, Math.round((k.budget - spent - reserved) * 1e6) / 1e6),
        requests_this_minute: lim?.rpm?.remaining ?? null,
        tokens_this_minute: lim?.tpm?.remaining ?? null,
        concurrent: k.concurrency === null ? null : Math.max(0, k.concurrency - (lim?.inflight ?? 0)),
      },
    },
  });
}
