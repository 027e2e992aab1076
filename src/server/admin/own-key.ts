// GET /v1/key: the caller's own key — limits, usage this period, what remains (as OpenRouter's /api/v1/key),
// and the limits of its user and team with the tightest remaining budget among the three.
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
  const round = (n: number): number => Math.round(n * 1e6) / 1e6;
  // Every level with a budget; the tightest one is what the key can still spend.
  const budgets: { level: string; id: string; limit: number; spent: number; reserved: number; remaining: number; period: string }[] = [];
  if (k.budget !== null) budgets.push({ level: 'key', id: k.id, limit: k.budget, spent, reserved, remaining: Math.max(0, k.budget - spent - reserved), period: k.budgetPeriod });
  const levels = (status.levels ?? []).map((l) => {
    const b = l.limits?.budget;
    const limit = l.spec.budget?.limit ?? null;
    if (limit !== null) {
      const s = b?.spent ?? 0;
      const r = b?.reserved ?? 0;
      budgets.push({ level: l.level, id: l.id, limit, spent: s, reserved: r, remaining: Math.max(0, limit - s - r), period: l.period });
    }
    return {
      level: l.level, id: l.id, rpm: l.spec.rpm, tpm: l.spec.tpm, concurrency: l.spec.concurrency, budget: limit, budget_period: l.period,
      usage: b ? { cost: round(b.spent), reserved: round(b.reserved) } : null,
      remaining: {
        budget: limit === null ? null : round(Math.max(0, limit - (b?.spent ?? 0) - (b?.reserved ?? 0))),
        requests_this_minute: l.limits?.rpm?.remaining ?? null,
        tokens_this_minute: l.limits?.tpm?.remaining ?? null,
        concurrent: l.spec.concurrency === null ? null : Math.max(0, l.spec.concurrency - (l.limits?.inflight ?? 0)),
      },
    };
  });
  const tight = budgets.reduce<(typeof budgets)[number] | undefined>((m, b) => (m === undefined || b.remaining < m.remaining ? b : m), undefined);
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
        // The least any level (key, user, team) leaves; budget_level says which.
        budget: tight === undefined ? null : round(tight.remaining),
        budget_level: tight?.level ?? null,
        requests_this_minute: lim?.rpm?.remaining ?? null,
        tokens_this_minute: lim?.tpm?.remaining ?? null,
        concurrent: k.concurrency === null ? null : Math.max(0, k.concurrency - (lim?.inflight ?? 0)),
      },
      levels,
    },
  });
}
