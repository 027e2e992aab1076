// POST /admin/usage/purge: runs the retention purge now and answers with what it removed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import { actorOf, type AdminDeps } from './deps.js';

export async function usagePurgeHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  if (!deps.retention) throw errors.unsupported('retention', 'Usage retention is not available on this gateway (it has no store).');
  const r = await deps.retention.run();
  const body = {
    object: 'usage.purge',
    ran: r.ran,
    ...(r.ran ? {} : { reason: 'another instance is purging' }),
    retention_days: deps.retention.retentionDays,
    before: r.before === null ? null : new Date(r.before).toISOString(),
    usage_rows: r.usageRows,
    partitions_dropped: r.partitionsDropped,
    prompt_logs: r.promptLogs,
    rollups_rebuilt: r.rollupsRebuilt,
    duration_ms: r.ms,
  };
  if (r.ran) {
    await deps.store.appendAudit({ time: Date.now(), actor: actorOf(ctx.principal), action: 'usage.purge', targetType: 'usage', targetId: null, detail: body })
      .catch(() => undefined);
  }
  sendJson(res, 200, body);
}
