// From a measured load profile to what the planner sizes for: simultaneous users (p95 of the busiest hour, or its
// peak, times the expected growth), the workload's sizes and prefix-cache share, and the hours of use.
import type { Workload } from './use-case.js';
import type { LoadProfile } from './usage-profile.js';

export type SizeFor = 'p95' | 'peak';

export interface UsagePlan {
  /** Simultaneous requests to plan for. */
  readonly users: number;
  /** Measured, before growth. */
  readonly measured: number;
  readonly workload: Workload;
  readonly hoursPerDay: number;
  readonly daysPerWeek: number;
}

/** An hour of the day is in use when its peak reaches a tenth of the sized load; a weekday when it sees a tenth of the busiest one's requests. */
export const IN_USE_SHARE = 0.1;

function pow2Ceil(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}

export function planFromProfile(p: LoadProfile, base: Workload, modelContext: number, growth: number, sizeFor: SizeFor): UsagePlan {
  const measured = sizeFor === 'peak' ? p.peak : p.p95;
  const users = Math.max(1, Math.ceil(measured * growth - 1e-9));
  const threshold = Math.max(1, IN_USE_SHARE * measured);
  const hoursPerDay = Math.max(1, p.hours.filter((h) => h.peak >= threshold).length);
  const perDay = p.weekdayRequests.map((n, i) => n / Math.max(1, p.weekdayDays[i] ?? 0));
  const busiestDay = Math.max(...perDay);
  const daysPerWeek = busiestDay > 0 ? perDay.filter((n) => n >= IN_USE_SHARE * busiestDay).length : 7;
  let workload = base;
  if (p.promptTokens.count > 0) {
    const prompt = Math.max(1, Math.round(p.promptTokens.mean));
    const context = Math.min(modelContext, Math.max(base.context, pow2Ceil(p.totalTokens.p99)));
    workload = {
      ...base, context, promptTokens: Math.min(prompt, context - 1), outputTokens: Math.max(1, Math.round(p.outputTokens.mean)),
      cachedPromptTokens: p.cachedShare === null ? undefined : Math.round(prompt * p.cachedShare),
    };
  }
  return { users, measured, workload, hoursPerDay, daysPerWeek };
}
