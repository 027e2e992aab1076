// OpenAI-style x-ratelimit-* headers from a limiter state (durations as OpenAI writes them: 1m30s, 12s, 250ms).
import type { LimitState } from './limiter.js';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const totalS = Math.ceil(ms / 1000);
  const m = Math.floor(totalS / 60);
  const s = totalS % 60;
  return m > 0 ? `${m}m${s}s` : `${s}s`;
}

export function rateLimitHeaders(state: LimitState): Record<string, string> {
  const h: Record<string, string> = {};
  if (state.rpm) {
    h['x-ratelimit-limit-requests'] = String(state.rpm.limit);
    h['x-ratelimit-remaining-requests'] = String(state.rpm.remaining);
    h['x-ratelimit-reset-requests'] = formatDuration(state.rpm.resetMs);
  }
  if (state.tpm) {
    h['x-ratelimit-limit-tokens'] = String(state.tpm.limit);
    h['x-ratelimit-remaining-tokens'] = String(state.tpm.remaining);
    h['x-ratelimit-reset-tokens'] = formatDuration(state.tpm.resetMs);
  }
  return h;
}

/** Retry-After in whole seconds (at least 1) plus the millisecond form the openai SDKs also read; never "Infinity" or "NaN". */
export function retryHeaders(retryAfterMs: number): Record<string, string> {
  const ms = Number.isFinite(retryAfterMs) ? Math.min(Math.max(0, retryAfterMs), 86_400_000) : 60_000;
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(Math.ceil(ms)) };
}
