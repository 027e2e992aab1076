// The admin input shapes (JSON, snake_case) for keys, users and teams; shared by the HTTP API and the CLI.
import { z } from 'zod';
import type { KeyRow, KeySettings, TeamRow, UserRow } from '../store/types.js';

const limit = z.number().int('must be a whole number').positive('must be greater than 0').nullable();
const zone = z.string().regex(/^[a-z0-9_-]+$/, 'zone names are lower-case words such as local or eu');
const metadata = z.record(z.string(), z.string());
const id = z.string().min(1).max(200).nullable();

/** ISO date/time or epoch ms, in the future not required (an expired key simply stops working). */
const time = z
  .union([z.number().int().nonnegative(), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected an ISO date such as 2026-12-31T00:00:00Z')])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)))
  .nullable();

const keyFields = {
  name: z.string().min(1, 'must not be empty').max(200),
  user_id: id,
  team_id: id,
  models: z.array(z.string().min(1).regex(/^\S+$/, 'model names and globs have no spaces')),
  expires_at: time,
  rpm: limit,
  tpm: limit,
  concurrency: limit,
  budget: z.number().nonnegative('must be 0 or more').finite().nullable(),
  budget_period: z.enum(['daily', 'weekly', 'monthly', 'none']),
  priority: z.enum(['interactive', 'batch']),
  zones: z.array(z.union([zone, z.literal('any')])).min(1, 'at least one zone (or "any")'),
  logging: z.enum(['none', 'metadata', 'full']),
  log_retention_days: z.number().int('must be a whole number').positive('must be greater than 0').max(3650),
  store_responses: z.boolean(),
  admin: z.boolean(),
  metadata,
};

export const keyCreateSchema = z.object({ ...keyFields }).partial().required({ name: true }).strict();
export const keyPatchSchema = z.object({ ...keyFields }).partial().strict();
export type KeyCreateInput = z.infer<typeof keyCreateSchema>;
export type KeyPatchInput = z.infer<typeof keyPatchSchema>;

export const userCreateSchema = z.object({ name: keyFields.name, email: z.string().email().nullable().optional(), team_id: id.optional(), metadata: metadata.optional() }).strict();
export const userPatchSchema = userCreateSchema.partial().strict();
export const teamCreateSchema = z.object({ name: keyFields.name, metadata: metadata.optional() }).strict();
export const teamPatchSchema = teamCreateSchema.partial().strict();

export const keyDefaults: Omit<KeySettings, 'name'> = {
  userId: null,
  teamId: null,
  models: [],
  expiresAt: null,
  rpm: null,
  tpm: null,
  concurrency: null,
  budget: null,
  budgetPeriod: 'monthly',
  priority: 'interactive',
  zones: ['any'],
  logging: 'metadata',
  logRetentionDays: 30,
  storeResponses: true,
  admin: false,
  metadata: {},
};

/** snake_case input → settings patch; absent fields stay absent, null clears. */
export function keyPatchFromInput(i: KeyPatchInput): Partial<KeySettings> {
  const p: { -readonly [K in keyof KeySettings]?: KeySettings[K] } = {};
  if (i.name !== undefined) p.name = i.name;
  if (i.user_id !== undefined) p.userId = i.user_id;
  if (i.team_id !== undefined) p.teamId = i.team_id;
  if (i.models !== undefined) p.models = i.models;
  if (i.expires_at !== undefined) p.expiresAt = i.expires_at;
  if (i.rpm !== undefined) p.rpm = i.rpm;
  if (i.tpm !== undefined) p.tpm = i.tpm;
  if (i.concurrency !== undefined) p.concurrency = i.concurrency;
  if (i.budget !== undefined) p.budget = i.budget;
  if (i.budget_period !== undefined) p.budgetPeriod = i.budget_period;
  if (i.priority !== undefined) p.priority = i.priority;
  if (i.zones !== undefined) p.zones = i.zones.includes('any') ? ['any'] : i.zones;
  if (i.logging !== undefined) p.logging = i.logging;
  if (i.log_retention_days !== undefined) p.logRetentionDays = i.log_retention_days;
  if (i.store_responses !== undefined) p.storeResponses = i.store_responses;
  if (i.admin !== undefined) p.admin = i.admin;
  if (i.metadata !== undefined) p.metadata = i.metadata;
  return p;
}

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** A key as the API shows it: never the hash or the secret. */
export function keyToJson(k: KeyRow, now = Date.now()): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    status: k.revokedAt !== null ? 'revoked' : k.expiresAt !== null && k.expiresAt <= now ? 'expired' : 'active',
    user_id: k.userId,
    team_id: k.teamId,
    models: k.models,
    expires_at: iso(k.expiresAt),
    rpm: k.rpm,
    tpm: k.tpm,
    concurrency: k.concurrency,
    budget: k.budget,
    budget_period: k.budgetPeriod,
    priority: k.priority,
    zones: k.zones,
    logging: k.logging,
    log_retention_days: k.logRetentionDays,
    store_responses: k.storeResponses !== false,
    admin: k.admin,
    metadata: k.metadata,
    created_at: iso(k.createdAt),
    revoked_at: iso(k.revokedAt),
  };
}

export function userToJson(u: UserRow): Record<string, unknown> {
  return { id: u.id, name: u.name, email: u.email, team_id: u.teamId, metadata: u.metadata, created_at: iso(u.createdAt) };
}

export function teamToJson(t: TeamRow): Record<string, unknown> {
  return { id: t.id, name: t.name, metadata: t.metadata, created_at: iso(t.createdAt) };
}
