// User and team limits and team key policies as SQL columns (migration 40).
import type { SqlRow, SqlValue } from './sql-db.js';
import type { BudgetPeriod, KeyPolicy, SubjectLimits } from './types.js';

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const periods: readonly string[] = ['daily', 'weekly', 'monthly', 'none'];

/** Undefined when the row sets no limit at all (the common case: nothing to check per request). */
export function limitsFromRow(r: SqlRow): SubjectLimits | undefined {
  const l: SubjectLimits = {
    rpm: numOrNull(r.rpm),
    tpm: numOrNull(r.tpm),
    concurrency: numOrNull(r.concurrency),
    budget: numOrNull(r.budget),
    budgetPeriod: (periods.includes(String(r.budget_period)) ? String(r.budget_period) : 'monthly') as BudgetPeriod,
  };
  return l.rpm === null && l.tpm === null && l.concurrency === null && l.budget === null && l.budgetPeriod === 'monthly' ? undefined : l;
}

/** SET pairs for a limits patch: the whole set is written (null clears a limit). */
export function limitSets(l: SubjectLimits): [string, SqlValue][] {
  return [['rpm', l.rpm], ['tpm', l.tpm], ['concurrency', l.concurrency], ['budget', l.budget], ['budget_period', l.budgetPeriod]];
}

export function policyFromRow(r: SqlRow): KeyPolicy | null {
  if (typeof r.key_policy !== 'string') return null;
  try {
    return JSON.parse(r.key_policy) as KeyPolicy;
  } catch {
    return null;
  }
}

export const policyValue = (p: KeyPolicy | null): SqlValue => (p === null ? null : JSON.stringify(p));
