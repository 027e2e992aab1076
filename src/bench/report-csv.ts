// CSV exports: one row per cell (the summary) or one row per request (raw samples, ITLs left out).
import type { BenchRun, Stat } from './run-types.js';

function field(v: string | number | boolean | undefined | null): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(Math.round(v * 1000) / 1000) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const statCols = (name: string): string[] => ['mean', 'median', 'p90', 'p99'].map((s) => `${name}_${s}`);
const statVals = (s: Stat | null | undefined): (number | undefined)[] => [s?.mean, s?.median, s?.p90, s?.p99];

export function cellsCsv(run: BenchRun): string {
  const header = [
    'concurrency', 'rate', 'prompt_tokens_target', 'status', 'reason', 'requests', 'completed', 'errors', 'warmup', 'duration_s',
    ...statCols('e2e_ms'), ...statCols('ttft_ms'), ...statCols('tpot_ms'), ...statCols('itl_ms'),
    'server_prompt_tokens_mean', 'server_completion_tokens_mean', 'request_throughput', 'output_token_throughput', 'total_token_throughput',
    'goodput_share', 'goodput_rps',
  ];
  const rows = run.cells.map((c) => {
    const s = c.summary;
    return [
      c.key.concurrency, c.key.rate, c.key.promptTokens, c.status, c.reason, s?.requests, s?.completed, s?.errors, s?.warmup, s?.durationS,
      ...statVals(s?.e2eMs), ...statVals(s?.ttftMs), ...statVals(s?.tpotMs), ...statVals(s?.itlMs),
      s?.promptTokens?.mean, s?.completionTokens?.mean, s?.requestThroughput, s?.outputTokenThroughput, s?.totalTokenThroughput,
      s?.goodput?.share, s?.goodput?.requestsPerSecond,
    ].map(field).join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}

export function samplesCsv(run: BenchRun): string {
  const header = ['concurrency', 'rate', 'prompt_tokens_target', 'index', 'warmup', 'ok', 'error', 'http_status', 'start_ms', 'e2e_ms', 'ttft_ms', 'tpot_ms', 'itl_mean_ms', 'prompt_tokens', 'completion_tokens', 'chunks', 'max_tokens', 'group', 'turn'];
  const rows: string[] = [];
  for (const c of run.cells) {
    for (const s of c.samples) {
      const itl = s.itlMs && s.itlMs.length > 0 ? s.itlMs.reduce((a, b) => a + b, 0) / s.itlMs.length : undefined;
      rows.push(
        [c.key.concurrency, c.key.rate, s.targetPromptTokens ?? c.key.promptTokens, s.index, s.warmup, s.ok, s.error, s.httpStatus, s.startMs, s.e2eMs, s.ttftMs, s.tpotMs, itl, s.promptTokens, s.completionTokens, s.chunks, s.maxTokens, s.group, s.turn]
          .map(field)
          .join(','),
      );
    }
  }
  return [header.join(','), ...rows].join('\n') + '\n';
}
