// Raw usage records (and their prompt logs) for a range as JSONL or CSV text, a page at a time: the
// store is read with a keyset cursor (time, request id), so memory stays bounded whatever the range.
import { csvField } from '../server/admin/csv.js';
import type { Store, UsageExportRow } from '../store/types.js';

export type ExportFormat = 'jsonl' | 'csv';

export interface ExportOptions {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly format: ExportFormat;
  /** Adds each record's prompt log (request and response text; keys with logging: full). */
  readonly prompts: boolean;
  /** Records per store read (default 1,000). */
  readonly pageSize?: number | undefined;
}

const recordColumns = [
  'request_id', 'time', 'key_id', 'user_id', 'team_id', 'model', 'endpoint', 'backend', 'status', 'outcome', 'prompt_tokens',
  'completion_tokens', 'cached_tokens', 'tokens_estimated', 'cost', 'queue_ms', 'ttft_ms', 'total_ms', 'stream', 'finish_reason', 'error',
] as const;

export function exportColumns(prompts: boolean): readonly string[] {
  return prompts ? [...recordColumns, 'request', 'response'] : recordColumns;
}

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** One exported record, snake_case as the admin API shows records; time as ISO 8601 (UTC). */
export function exportObject(r: UsageExportRow, prompts: boolean): Record<string, string | number | boolean | null> {
  const o: Record<string, string | number | boolean | null> = {
    request_id: r.requestId, time: new Date(r.time).toISOString(), key_id: orNull(r.keyId), user_id: orNull(r.userId), team_id: orNull(r.teamId),
    model: r.model, endpoint: r.endpoint, backend: orNull(r.backend), status: r.status, outcome: r.outcome,
    prompt_tokens: orNull(r.promptTokens), completion_tokens: orNull(r.completionTokens), cached_tokens: orNull(r.cachedTokens),
    tokens_estimated: r.tokensEstimated, cost: orNull(r.cost), queue_ms: r.queueMs, ttft_ms: orNull(r.ttftMs), total_ms: r.totalMs,
    stream: r.stream, finish_reason: orNull(r.finishReason), error: orNull(r.error),
  };
  if (prompts) {
    o.request = r.prompt?.request ?? null;
    o.response = r.prompt?.response ?? null;
  }
  return o;
}

/** Text chunks (the CSV header, then one chunk per page); `onPage` hears the running record count. */
export async function* exportLines(store: Pick<Store, 'exportUsage'>, o: ExportOptions, onPage?: (records: number) => void): AsyncGenerator<string> {
  const columns = exportColumns(o.prompts);
  if (o.format === 'csv') yield `${columns.join(',')}\r\n`;
  const limit = o.pageSize ?? 1_000;
  let after: { time: number; requestId: string } | undefined;
  let total = 0;
  for (;;) {
    const rows = await store.exportUsage({ from: o.from, to: o.to, after, limit }, o.prompts);
    if (rows.length === 0) return;
    let chunk = '';
    for (const r of rows) {
      const obj = exportObject(r, o.prompts);
      chunk += o.format === 'csv' ? `${columns.map((c) => csvField(obj[c])).join(',')}\r\n` : `${JSON.stringify(obj)}\n`;
    }
    total += rows.length;
    onPage?.(total);
    yield chunk;
    if (rows.length < limit) return;
    const last = rows[rows.length - 1] as UsageExportRow;
    after = { time: last.time, requestId: last.requestId };
  }
}
