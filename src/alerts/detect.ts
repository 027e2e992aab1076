// Which alerts are due now: budgets (keys, users, teams) past a threshold this period, keys about to expire.
import { periodBounds } from '../access/periods.js';
import type { BudgetPeriod, KeyRow, Store, SubjectLimits } from '../store/types.js';

export interface DetectedAlert {
  readonly kind: 'budget' | 'key_expiry';
  readonly level: 'key' | 'user' | 'team';
  readonly subjectId: string;
  readonly name: string;
  readonly threshold: number | null;
  readonly periodStart: number | null;
  /** Stable across instances and checks: the same alert always gets the same key. */
  readonly dedupe: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

interface Budgeted {
  readonly level: 'key' | 'user' | 'team';
  readonly id: string;
  readonly name: string;
  readonly budget: number;
  readonly period: BudgetPeriod;
}

/** Users or teams with a budget set. */
function withBudget(level: 'user' | 'team', rows: readonly { id: string; name: string; limits?: SubjectLimits | undefined }[]): Budgeted[] {
  return rows.flatMap((r) => (r.limits?.budget ?? 0) > 0 ? [{ level, id: r.id, name: r.name, budget: r.limits?.budget as number, period: r.limits?.budgetPeriod ?? 'monthly' }] : []);
}

const active = (k: KeyRow, now: number): boolean => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now);

export async function detectAlerts(store: Store, thresholds: readonly number[], expiryDays: number, now: number): Promise<DetectedAlert[]> {
  const [keys, users, teams] = await Promise.all([store.listKeys(), store.listUsers(), store.listTeams()]);
  const subjects: Budgeted[] = [
    ...keys.filter((k) => k.budget !== null && k.budget > 0 && active(k, now)).map((k) => ({ level: 'key' as const, id: k.id, name: k.name, budget: k.budget as number, period: k.budgetPeriod })),
    ...withBudget('user', users),
    ...withBudget('team', teams),
  ];
  // One rollup read per level and period start.
  const spends = new Map<string, Map<string, number>>();
  const out: DetectedAlert[] = [];
  for (const s of subjects) {
    const start = periodBounds(s.period, now).start;
    const k = `${s.level}:${start}`;
    let m = spends.get(k);
    if (!m) spends.set(k, (m = await store.spendBy(s.level, start)));
    const spent = m.get(s.id) ?? 0;
    for (const t of thresholds) {
      if (spent < (s.budget * t) / 100) continue;
      out.push({
        kind: 'budget', level: s.level, subjectId: s.id, name: s.name, threshold: t, periodStart: start,
        dedupe: `budget:${s.level}:${s.id}:${start}:${t}`,
        detail: { budget: s.budget, spent: Math.round(spent * 1e6) / 1e6, budget_period: s.period, period_start: new Date(start).toISOString() },
      });
    }
  }
  if (expiryDays > 0) {
    for (const key of keys) {
      if (!active(key, now) || key.expiresAt === null || key.expiresAt > now + expiryDays * 86_400_000) continue;
      out.push({
        kind: 'key_expiry', level: 'key', subjectId: key.id, name: key.name, threshold: null, periodStart: null,
        dedupe: `key_expiry:${key.id}:${key.expiresAt}`,
        detail: { expires_at: new Date(key.expiresAt).toISOString(), user_id: key.userId, team_id: key.teamId },
      });
    }
  }
  return out;
}
