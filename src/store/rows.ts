// Mapping between SQL rows (snake_case, numbers possibly as strings from pg) and store rows.
import type { SqlRow, SqlValue } from './sql-db.js';
import type { AuditRow, BudgetPeriod, KeyRow, PromptLogRow, StoredResponseRow, TeamRow, UserRow } from './types.js';
import type { LoggingPolicy, Priority } from '../access/principal.js';
import { limitsFromRow, policyFromRow } from './limits-sql.js';

export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : String(v ?? '');
}

function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : str(v);
}

function json<T>(v: unknown, fallback: T): T {
  if (typeof v !== 'string') return fallback;
  try {
    return JSON.parse(v) as T;
  } catch {
    return fallback;
  }
}

export function teamFromRow(r: SqlRow): TeamRow {
  return { id: str(r.id), name: str(r.name), createdAt: num(r.created_at), metadata: json(r.metadata, {}), limits: limitsFromRow(r), keyPolicy: policyFromRow(r) };
}

export function userFromRow(r: SqlRow): UserRow {
  return {
    id: str(r.id),
    name: str(r.name),
    email: strOrNull(r.email),
    teamId: strOrNull(r.team_id),
    createdAt: num(r.created_at),
    metadata: json(r.metadata, {}),
    limits: limitsFromRow(r),
    disabled: Boolean(num(r.disabled)),
    admin: Boolean(num(r.admin)),
    source: r.source === 'oidc' || r.source === 'jwt' ? r.source : 'admin',
    externalIssuer: strOrNull(r.external_issuer),
    externalSubject: strOrNull(r.external_subject),
  };
}

export function keyFromRow(r: SqlRow): KeyRow {
  return {
    id: str(r.id),
    hash: str(r.hash),
    prefix: str(r.prefix),
    name: str(r.name),
    userId: strOrNull(r.user_id),
    teamId: strOrNull(r.team_id),
    models: json<string[]>(r.models, []),
    expiresAt: numOrNull(r.expires_at),
    rpm: numOrNull(r.rpm),
    tpm: numOrNull(r.tpm),
    concurrency: numOrNull(r.concurrency),
    budget: numOrNull(r.budget),
    budgetPeriod: str(r.budget_period) as BudgetPeriod,
    priority: str(r.priority) as Priority,
    zones: json<string[]>(r.zones, ['any']),
    logging: str(r.logging) as LoggingPolicy,
    logRetentionDays: num(r.log_retention_days),
    storeResponses: r.store_responses === undefined || num(r.store_responses) === 1,
    admin: num(r.admin) === 1,
    metadata: json(r.metadata, {}),
    createdAt: num(r.created_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}

/** Column values for a key's settings, in `keyColumns` order. */
export const keySettingColumns: Readonly<Record<string, (k: Partial<KeyRow>) => SqlValue>> = {
  name: (k) => k.name ?? null,
  user_id: (k) => k.userId ?? null,
  team_id: (k) => k.teamId ?? null,
  models: (k) => JSON.stringify(k.models ?? []),
  expires_at: (k) => k.expiresAt ?? null,
  rpm: (k) => k.rpm ?? null,
  tpm: (k) => k.tpm ?? null,
  concurrency: (k) => k.concurrency ?? null,
  budget: (k) => k.budget ?? null,
  budget_period: (k) => k.budgetPeriod ?? 'none',
  priority: (k) => k.priority ?? 'interactive',
  zones: (k) => JSON.stringify(k.zones ?? ['any']),
  logging: (k) => k.logging ?? 'metadata',
  log_retention_days: (k) => k.logRetentionDays ?? 30,
  store_responses: (k) => (k.storeResponses === false ? 0 : 1),
  admin: (k) => (k.admin ? 1 : 0),
  metadata: (k) => JSON.stringify(k.metadata ?? {}),
};

/** Which KeySettings field each column comes from, to build partial updates. */
export const keySettingFields: Readonly<Record<string, string>> = {
  name: 'name',
  user_id: 'userId',
  team_id: 'teamId',
  models: 'models',
  expires_at: 'expiresAt',
  rpm: 'rpm',
  tpm: 'tpm',
  concurrency: 'concurrency',
  budget: 'budget',
  budget_period: 'budgetPeriod',
  priority: 'priority',
  zones: 'zones',
  logging: 'logging',
  log_retention_days: 'logRetentionDays',
  store_responses: 'storeResponses',
  admin: 'admin',
  metadata: 'metadata',
};

export function promptLogFromRow(r: SqlRow): PromptLogRow {
  return {
    requestId: str(r.request_id),
    time: num(r.time),
    keyId: strOrNull(r.key_id),
    model: str(r.model),
    request: str(r.request),
    response: str(r.response),
    expiresAt: num(r.expires_at),
  };
}

export function auditFromRow(r: SqlRow): AuditRow {
  return {
    id: num(r.id),
    time: num(r.time),
    actor: str(r.actor),
    action: str(r.action),
    targetType: str(r.target_type),
    targetId: strOrNull(r.target_id),
    detail: json(r.detail, {}),
  };
}

export function storedResponseFromRow(r: SqlRow): StoredResponseRow {
  return {
    id: str(r.id),
    owner: str(r.owner),
    model: str(r.model),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
    response: str(r.response),
    inputItems: str(r.input_items),
    context: str(r.context),
  };
}
