// GET /admin/usage/export?from=&to=&format=jsonl|csv[&include=prompts]: raw records (and prompt logs)
// streamed a page at a time, with backpressure: a slow client slows the reads, memory stays bounded.
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../protocol/errors.js';
import { exportLines, type ExportFormat } from '../../usage/export-lines.js';
import type { RouteContext } from '../routes.js';
import type { AdminDeps } from './deps.js';
import { timeRange } from './time-range.js';

const contentTypes: Record<ExportFormat, string> = { jsonl: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' };

/** format and include, checked (400 naming the parameter). */
export function exportParams(query: URLSearchParams): { format: ExportFormat; prompts: boolean } {
  const format = query.get('format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw errors.invalidParam('format', `Invalid request: format: expected jsonl or csv, got '${format.slice(0, 64)}'.`);
  const include = query.get('include');
  if (include !== null && include !== '' && include !== 'prompts') throw errors.invalidParam('include', `Invalid request: include: expected 'prompts', got '${include.slice(0, 64)}'.`);
  return { format, prompts: include === 'prompts' };
}

export async function usageExportHandler(_req: IncomingMessage, res: ServerResponse, ctx: RouteContext, deps: AdminDeps): Promise<void> {
  const { from, to } = timeRange(ctx.query);
  const { format, prompts } = exportParams(ctx.query);
  await deps.usage?.flush().catch(() => undefined);
  const lines = exportLines(deps.store, { from, to, format, prompts });
  // The first page is read before the status line: a database out of reach is still a clean 503.
  const first = await lines.next();
  const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
  res.writeHead(200, {
    'content-type': contentTypes[format],
    'content-disposition': `attachment; filename="relais-usage-${day(from)}-${day(to - 1)}.${format}"`,
    'cache-control': 'no-store',
  });
  let gone = false;
  res.once('close', () => {
    gone = true;
  });
  try {
    for (let r = first; !r.done && !gone; r = await lines.next()) {
      if (!res.write(r.value)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    if (!gone) res.end();
  } catch (err) {
    // Cut the stream without its last chunk: a reader sees a broken transfer, never a short "complete" file.
    res.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    await lines.return(undefined);
  }
}
