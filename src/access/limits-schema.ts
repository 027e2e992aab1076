// Admin input and output shapes (snake_case) of user and team limits and of a team's key policy.
import { z } from 'zod';
import { hasControlCharacter } from '../protocol/control-chars.js';
import type { BudgetPeriod, KeyPolicy, SubjectLimits } from '../store/types.js';

// The same ranges as a key's limits (settings-schema.ts): whole numbers a database and the limiter take.
const count = (max: number) =>
  z.number().finite('must be a finite number').int('must be a whole number').positive('must be greater than 0').max(max, `must be at most ${max}`).nullable();
const budget = z.number().finite('must be a finite number').nonnegative('must be 0 or more').max(1e12, 'must be at most 1e12').nullable();
const period = z.enum(['daily', 'weekly', 'monthly', 'none']);
const zone = z.string().max(64).regex(/^([a-z0-9_-]+)$/, 'zone names are lower-case words such as local or eu');
const model = z
  .string()
  .min(1)
  .max(200)
  .regex(/^\S+$/, 'model names and globs have no spaces')
  .refine((s) => !hasControlCharacter(s, false), 'must not contain control characters (such as U+0000)');

/** Fields accepted on POST/PATCH /admin/users and /admin/teams. */
export const limitFields = {
  rpm: count(1_000_000_000).optional(),
  tpm: count(1_000_000_000_000).optional(),
  concurrency: count(1_000_000).optional(),
  budget: budget.optional(),
  budget_period: period.optional(),
};

export const keyPolicySchema = z
  .object({
    models: z.array(model).max(1_000, 'at most 1000 entries').default([]),
    zones: z.array(z.union([zone, z.literal('any')])).min(1, 'at least one zone (or "any")').max(64, 'at most 64 zones').default(['any']),
    max_budget: budget.default(null),
    budget_period: period.default('monthly'),
    max_keys_per_user: count(10_000).default(null),
    max_expiry_days: count(36_500).default(null),
  })
  .strict()
  .nullable();

export type LimitInput = { rpm?: number | null; tpm?: number | null; concurrency?: number | null; budget?: number | null; budget_period?: BudgetPeriod };
export type KeyPolicyInput = z.infer<typeof keyPolicySchema>;

const noLimits: SubjectLimits = { rpm: null, tpm: null, concurrency: null, budget: null, budgetPeriod: 'monthly' };

/** The limits after a patch (absent fields keep their value, null clears); undefined when the input names none. */
export function mergeLimits(current: SubjectLimits | undefined, i: LimitInput): SubjectLimits | undefined {
  if (i.rpm === undefined && i.tpm === undefined && i.concurrency === undefined && i.budget === undefined && i.budget_period === undefined) return undefined;
  const c = current ?? noLimits;
  return {
    rpm: i.rpm !== undefined ? i.rpm : c.rpm,
    tpm: i.tpm !== undefined ? i.tpm : c.tpm,
    concurrency: i.concurrency !== undefined ? i.concurrency : c.concurrency,
    budget: i.budget !== undefined ? i.budget : c.budget,
    budgetPeriod: i.budget_period ?? c.budgetPeriod,
  };
}

export function policyFromInput(p: KeyPolicyInput): KeyPolicy | null {
  if (p === null) return null;
  return {
    models: p.models,
    zones: p.zones.includes('any') ? ['any'] : p.zones,
    maxBudget: p.max_budget,
    budgetPeriod: p.budget_period,
    maxKeysPerUser: p.max_keys_per_user,
    maxExpiryDays: p.max_expiry_days,
  };
}

export function limitsToJson(l: SubjectLimits | undefined): Record<string, unknown> {
  const c = l ?? noLimits;
  return { rpm: c.rpm, tpm: c.tpm, concurrency: c.concurrency, budget: c.budget, budget_period: c.budgetPeriod };
}

export function policyToJson(p: KeyPolicy | null | undefined): Record<string, unknown> | null {
  if (!p) return null;
  return { models: p.models, zones: p.zones, max_budget: p.maxBudget, budget_period: p.budgetPeriod ?? 'monthly', max_keys_per_user: p.maxKeysPerUser, max_expiry_days: p.maxExpiryDays };
}

/** True when limits (a subject's stored ones, or a spec for the limiter) ask the limiter for anything. */
export const hasLimits = <T extends Pick<SubjectLimits, 'rpm' | 'tpm' | 'concurrency'> & { readonly budget: unknown }>(l: T | undefined): l is T =>
  l !== undefined && (l.rpm !== null || l.tpm !== null || l.concurrency !== null || l.budget !== null);
