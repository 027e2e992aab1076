// A synthetic week of usage records with a known daily profile (UTC), for `relais plan --from-usage`.
// Weekdays 08:00–18:00: LANES[h] requests in flight all hour (each lane sends 5-minute requests back to back);
// at 14:00 ten more lanes for the first two minutes (peak 40, p95 30). Saturday 11:00: one lane. Prompts
// alternate 1,000 and 3,000 tokens (mean 2,000), outputs 400, a quarter of every prompt cached. A second model
// gets a few requests; rejected requests at the peak never reached an engine and must not count.
import type { UsageRecord } from '../../src/usage/record.js';

export const WEEK_START = Date.UTC(2025, 0, 6); // Monday
const HOUR = 3_600_000;
const MIN = 60_000;
const REQUEST_MS = 5 * MIN;

/** Requests in flight per hour of a weekday (hours not listed: none). */
export const LANES: Readonly<Record<number, number>> = { 8: 10, 9: 20, 10: 30, 11: 30, 12: 20, 13: 30, 14: 30, 15: 30, 16: 20, 17: 10 };

function rec(id: string, time: number, totalMs: number, i: number, over: Partial<UsageRecord> = {}): UsageRecord {
  const prompt = i % 2 === 0 ? 1000 : 3000;
  return {
    requestId: id, time, model: 'meta-llama/Llama-3.1-8B-Instruct', endpoint: 'chat', backend: 'vllm-1', status: 200, outcome: 'completed',
    promptTokens: prompt, completionTokens: 400, cachedTokens: prompt / 4, tokensEstimated: false, queueMs: 0, ttftMs: 300, totalMs, stream: true,
    ...over,
  };
}

export function syntheticWeek(): UsageRecord[] {
  const out: UsageRecord[] = [];
  let n = 0;
  for (let day = 0; day < 5; day++) {
    const d = WEEK_START + day * 24 * HOUR;
    for (const [h, lanes] of Object.entries(LANES)) {
      for (let lane = 0; lane < lanes; lane++) {
        for (let k = 0; k < HOUR / REQUEST_MS; k++) out.push(rec(`d${day}h${h}l${lane}k${k}`, d + Number(h) * HOUR + k * REQUEST_MS, REQUEST_MS, n++));
      }
    }
    for (let lane = 0; lane < 10; lane++) out.push(rec(`d${day}burst${lane}`, d + 14 * HOUR, 2 * MIN, n++));
    for (let k = 0; k < 100; k++) out.push(rec(`d${day}rej${k}`, d + 14 * HOUR + 30 * MIN, 1000, n++, { outcome: 'rejected', status: 429, promptTokens: undefined, completionTokens: undefined }));
    for (let k = 0; k < 10; k++) out.push(rec(`d${day}qwen${k}`, d + 9 * HOUR + k * MIN, 20_000, n++, { model: 'qwen2.5-coder-7b' }));
  }
  const sat = WEEK_START + 5 * 24 * HOUR;
  for (let k = 0; k < HOUR / REQUEST_MS; k++) out.push(rec(`sat${k}`, sat + 11 * HOUR + k * REQUEST_MS, REQUEST_MS, n++));
  return out;
}
