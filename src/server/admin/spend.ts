// GET /admin/spend: every key's spend in its current budget period (settled and reserved), as the limiter
// sees it — what GET /v1/key shows its holder, for all keys at once (the console's budget bars).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';

const money = (x: number): number => Math.round(x * 1e6) / 1e6;

export async function spendHandler(_req: IncomingMessage, res: ServerResponse, _ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const keys = await deps.store.listKeys();
  const data = [];
  for (const k of keys) {
    const cached = deps.access.cache.getById(k.id);
    if (!cached || k.revokedAt !== null) continue;
    const status = await deps.access.status(cached.principal);
    const budget = status.limits?.budget;
    data.push({
      key_id: k.id,
      budget: k.budget,
      period: k.budgetPeriod,
      period_start: status.period ? new Date(status.period.start).toISOString() : null,
      period_end: status.period?.end ? new Date(status.period.end).toISOString() : null,
      spent: budget ? money(budget.spent) : null,
      reserved: budget ? money(budget.reserved) : null,
    });
  }
  sendJson(res, 200, { object: 'list', data });
}
