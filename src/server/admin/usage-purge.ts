// POST /admin/usage/purge: runs the retention purge now and answers with what it removed.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import { sendJson } from '../body.js';
import type { RouteContext } from '../routes.js';
import { actorOf, type AdminDeps } from './deps.js';

export async function usagePurgeHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  if (!deps.retention) throw errors.unsupported('retention', 'Usage retention is not available on this gateway (it has no store).');
  // ?retention_days=N keeps more than configured for this run (a purge in steps); never less.
  const keepText = ctx.query.get('retention_days');
  let keep: number | undefined;
  if (keepText !== null) {
    keep = /^\d{1,6}$/.test(keepText) ? Number(keepText) : Number.NaN;
    if (!deps.retention.allowsKeeping(keep)) {
      const configured = deps.retention.retentionDays;
      throw errors.invalidParam('retention_days', configured === null
        ? 'Invalid request: retention_days: usage is kept for ever (usage.retention_days); nothing is purged.'
        : `Invalid request: retention_days: expected a whole number of days from ${configured} (usage.retention_days) to 36500.`);
    }
  }
  const r = await deps.retention.run(Date.now(), keep);
  const body = {
    object: 'usage.purge',
    ran: r.ran,
    ...(r.ran ? {} : { reason: 'another instance is purging' }),
    retention_days: keep ?? deps.retention.retentionDays,
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
