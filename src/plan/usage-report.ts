// How `relais plan --from-usage` shows the load it measured: per hour of the day, the sizes, and what it plans for.
import type { Json } from './json-report.js';
import type { UsagePlan } from './usage-plan.js';
import type { Distribution, LoadProfile, ModelShare } from './usage-profile.js';

const date = (t: number): string => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
const r1 = (x: number): number => Math.round(x * 10) / 10;

function dist(d: Distribution): string {
  return `mean ${d.mean.toFixed(0)}, p50 ${d.p50}, p90 ${d.p90}, p99 ${d.p99}`;
}

export function formatLoad(p: LoadProfile, models: readonly ModelShare[], plan: UsagePlan, growth: number, sizeFor: string): string[] {
  const others = models.filter((m) => m.model !== p.model);
  const share = models.find((m) => m.model === p.model)?.share ?? 1;
  const out = [
    `Load from usage records ${date(p.from)} → ${date(p.to)} UTC, hours in ${p.timeZone}: ${p.requests} requests to ${p.model} (${(share * 100).toFixed(0)}% of all)`
      + (others.length > 0 ? `; also ${others.slice(0, 5).map((m) => `${m.model} ${(m.share * 100).toFixed(0)}%`).join(', ')}` : ''),
    '',
    'hour  requests  peak  p95  mean   (simultaneous requests)',
  ];
  for (const h of p.hours) {
    if (h.requests === 0 && h.peak === 0) continue;
    out.push(`${String(h.hour).padStart(2, '0')}:00 ${String(h.requests).padStart(9)} ${String(h.peak).padStart(5)} ${String(h.p95).padStart(4)} ${h.mean.toFixed(1).padStart(5)}`);
  }
  out.push(
    '',
    `busiest hour ${String(p.busiestHour).padStart(2, '0')}:00: p95 ${p.p95}, peak ${p.peak} simultaneous requests; in use ${plan.hoursPerDay} h/day, ${plan.daysPerWeek} days/week`,
  );
  if (p.promptTokens.count > 0) {
    out.push(`prompt tokens: ${dist(p.promptTokens)}; output tokens: ${dist(p.outputTokens)} (${p.promptTokens.count} requests with reported counts)`);
  } else {
    out.push('no request reported its token counts: the use case\'s sizes are used');
  }
  if (p.cachedShare !== null) out.push(`${(p.cachedShare * 100).toFixed(0)}% of prompt tokens came from the prefix cache (the plan prefills only the rest)`);
  out.push(`planning for ${plan.users} simultaneous users (${sizeFor} of the busiest hour ${plan.measured}${growth !== 1 ? ` × growth ${growth}` : ''}), ${plan.hoursPerDay} h/day × ${plan.daysPerWeek} days/week`);
  return out;
}

function distJson(d: Distribution): Json {
  return { count: d.count, mean: r1(d.mean), p50: d.p50, p90: d.p90, p99: d.p99 };
}

export function loadJson(p: LoadProfile, models: readonly ModelShare[], plan: UsagePlan, growth: number, sizeFor: string): Json {
  return {
    model: p.model, from: new Date(p.from).toISOString(), to: new Date(p.to).toISOString(), time_zone: p.timeZone, requests: p.requests,
    models: models.map((m) => ({ model: m.model, requests: m.requests, share: r1(m.share * 100) / 100 })),
    hours: p.hours.map((h) => ({ hour: h.hour, requests: h.requests, peak: h.peak, p95: h.p95, mean: r1(h.mean) })),
    peak: p.peak, p95: p.p95, busiest_hour: p.busiestHour,
    prompt_tokens: distJson(p.promptTokens), output_tokens: distJson(p.outputTokens), total_tokens: distJson(p.totalTokens),
    cached_share: p.cachedShare === null ? null : Math.round(p.cachedShare * 1000) / 1000,
    hours_per_day: plan.hoursPerDay, days_per_week: plan.daysPerWeek,
    sized_for: sizeFor, measured: plan.measured, growth, users: plan.users,
  };
}
