// The admin input shapes (JSON, snake_case) for keys, users and teams; shared by the HTTP API and the CLI.
import { z } from 'zod';
import { hasControlCharacter } from '../protocol/control-chars.js';
import { isWellFormed } from '../store/clean-text.js';
import type { KeyRow, KeySettings, TeamRow, UserRow } from '../store/types.js';
import { keyPolicySchema, limitFields, limitsToJson, policyToJson } from './limits-schema.js';

/** The last instant a date field may hold (9999-12-31T23:59:59.999Z): every client and database can show it. */
export const MAX_TIME = 253_402_300_799_999;

const isoDate = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Epoch ms of an ISO 8601 date or date-time (a date alone is UTC midnight); NaN for anything else (Date.parse alone takes '-5'). */
export function parseIsoTime(text: string): number {
  if (!isoDate.test(text)) return Number.NaN;
  return Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
}

/** Whole numbers from 1 to `max`: JSON numbers such as 1e308 are integers to JavaScript, not to a database. */
const count = (max: number) =>
  z.number().finite('must be a finite number').int('must be a whole number').positive('must be greater than 0').max(max, `must be at most ${max}`).nullable();

// Names show in listings and logs: no control characters; every text must be well-formed Unicode.
const text = (max: number, lineBreaks = false) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !hasControlCharacter(s, lineBreaks), 'must not contain control characters (such as U+0000)')
    .refine(isWellFormed, 'must be well-formed Unicode (it holds a lone surrogate)');

const zone = z.string().max(64).regex(/^[a-z0-9_-]+$/, 'zone names are lower-case words such as local or eu');
const metadata = z
  .record(text(100), text(2_000, true))
  .refine((m) => Object.keys(m).length <= 64, 'at most 64 entries');
const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,200}$/, 'ids are 1 to 200 letters, digits, _ . : -').nullable();
const name = text(200).pipe(z.string().min(1, 'must not be empty'));

/** ISO date/time or epoch ms, up to MAX_TIME; in the future not required (an expired key simply stops working). */
const time = z
  .union([
    z.number().finite('must be a finite number').int('must be a whole number of epoch milliseconds'),
    z.string().refine((s) => !Number.isNaN(parseIsoTime(s)), 'expected an ISO date such as 2026-12-31T00:00:00Z'),
  ])
  .transform((v) => (typeof v === 'number' ? v : parseIsoTime(v)))
  .refine((t) => t >= 0 && t <= MAX_TIME, 'must be a date from 1970-01-01 to 9999-12-31')
  .nullable();

const keyFields = {
  name,
  user_id: id,
  team_id: id,
  models: z.array(text(200).pipe(z.string().min(1).regex(/^\S+$/, 'model names and globs have no spaces'))).max(1_000, 'at most 1000 entries'),
  expires_at: time,
  rpm: count(1_000_000_000),
  tpm: count(1_000_000_000_000),
  concurrency: count(1_000_000),
  budget: z.number().finite('must be a finite number').nonnegative('must be 0 or more').max(1e12, 'must be at most 1e12').nullable(),
  budget_period: z.enum(['daily', 'weekly', 'monthly', 'none']),
  priority: z.enum(['interactive', 'batch']),
  zones: z.array(z.union([zone, z.literal('any')])).min(1, 'at least one zone (or "any")').max(64, 'at most 64 zones'),
  logging: z.enum(['none', 'metadata', 'full']),
  log_retention_days: z.number().finite('must be a finite number').int('must be a whole number').positive('must be greater than 0').max(3650),
  store_responses: z.boolean(),
  admin: z.boolean(),
  metadata,
};

export const keyCreateSchema = z.object({ ...keyFields }).partial().required({ name: true }).strict();
export const keyPatchSchema = z.object({ ...keyFields }).partial().strict();
export type KeyCreateInput = z.infer<typeof keyCreateSchema>;
export type KeyPatchInput = z.infer<typeof keyPatchSchema>;

export const userCreateSchema = z
  .object({
    name,
    email: z.string().max(320).email().nullable().optional(),
    team_id: id.optional(),
    metadata: metadata.optional(),
    /** A disabled user's keys, sessions and tokens are refused at once. */
    disabled: z.boolean().optional(),
    /** Admin rights of the user's own sessions (single sign-on with admin_groups sets it at each sign-in). */
    admin: z.boolean().optional(),
    ...limitFields,
  })
  .strict();
export const userPatchSchema = userCreateSchema.partial().strict();
export const teamCreateSchema = z.object({ name, metadata: metadata.optional(), ...limitFields, key_policy: keyPolicySchema.optional() }).strict();
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

/** A stored time as ISO text; a value no date can show (a row written before validation was strict) reads as null. */
const iso = (t: number | null): string | null => (t === null || !Number.isFinite(t) || Math.abs(t) > 8.64e15 ? null : new Date(t).toISOString());

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
  return {
    id: u.id, name: u.name, email: u.email, team_id: u.teamId, metadata: u.metadata, created_at: iso(u.createdAt),
    disabled: u.disabled, admin: u.admin, source: u.source, external_issuer: u.externalIssuer, external_subject: u.externalSubject,
    ...limitsToJson(u.limits),
  };
}

export function teamToJson(t: TeamRow): Record<string, unknown> {
  return { id: t.id, name: t.name, metadata: t.metadata, created_at: iso(t.createdAt), ...limitsToJson(t.limits), key_policy: policyToJson(t.keyPolicy) };
}
