// Admin operations on keys, users and teams, each with its audit record; used by the HTTP API and the CLI.
import { randomUUID } from 'node:crypto';
import { errors, GatewayError } from '../protocol/errors.js';
import type { AuditRow, KeyRow, KeySettings, Store, TeamRow, UserRow } from '../store/types.js';
import { generateSecret } from './key-secret.js';
import {
  keyCreateSchema, keyDefaults, keyPatchFromInput, keyPatchSchema, teamCreateSchema, teamPatchSchema, userCreateSchema, userPatchSchema,
} from './settings-schema.js';
import { parseInput } from './validation.js';
import { mergeLimits, policyFromInput } from './limits-schema.js';

export function notFound(what: string, id: string): GatewayError {
  return new GatewayError({ status: 404, type: 'not_found_error', code: 'not_found', message: `No ${what} with id '${id}'.` });
}

function audit(actor: string, action: string, targetType: string, targetId: string | null, detail: Record<string, unknown>): AuditRow {
  return { time: Date.now(), actor, action, targetType, targetId, detail };
}

/** What a user made by an admin has besides its settings. */
export const newUserDefaults = { disabled: false, admin: false, source: 'admin', externalIssuer: null, externalSubject: null } as const;

export const shortId = (prefix: string): string => `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 16)}`;

async function checkRefs(store: Store, p: Partial<KeySettings> | { teamId?: string | null }): Promise<void> {
  if ('userId' in p && p.userId) {
    if (!(await store.getUser(p.userId))) throw errors.invalidParam('user_id', `Invalid request: user_id: no user '${p.userId}'.`);
  }
  if (p.teamId) {
    if (!(await store.getTeam(p.teamId))) throw errors.invalidParam('team_id', `Invalid request: team_id: no team '${p.teamId}'.`);
  }
}

/** Creates a key; the secret is returned once and never stored. */
export async function createKey(store: Store, input: unknown, actor: string): Promise<{ row: KeyRow; secret: string }> {
  const parsed = parseInput(keyCreateSchema, input);
  const patch = keyPatchFromInput(parsed);
  await checkRefs(store, patch);
  let teamId = patch.teamId ?? null;
  // A user's key belongs to the user's team unless another team is given.
  if (patch.userId && patch.teamId === undefined) teamId = (await store.getUser(patch.userId))?.teamId ?? null;
  const s = generateSecret();
  const settings: KeySettings = { ...keyDefaults, ...patch, name: parsed.name, teamId };
  const row = await store.createKey(
    { ...settings, id: s.id, hash: s.hash, prefix: s.prefix, createdAt: Date.now() },
    audit(actor, 'key.create', 'key', s.id, { ...parsed }),
  );
  return { row, secret: s.secret };
}

export async function updateKey(store: Store, id: string, input: unknown, actor: string): Promise<KeyRow> {
  const parsed = parseInput(keyPatchSchema, input);
  const patch = keyPatchFromInput(parsed);
  await checkRefs(store, patch);
  const row = await store.updateKey(id, patch, audit(actor, 'key.update', 'key', id, { ...parsed }));
  if (!row) throw notFound('key', id);
  return row;
}

export async function revokeKey(store: Store, id: string, actor: string): Promise<KeyRow> {
  const row = await store.revokeKey(id, Date.now(), audit(actor, 'key.revoke', 'key', id, {}));
  if (!row) throw notFound('key', id);
  return row;
}

export async function createUser(store: Store, input: unknown, actor: string): Promise<UserRow> {
  const p = parseInput(userCreateSchema, input);
  await checkRefs(store, { teamId: p.team_id ?? null });
  const limits = mergeLimits(undefined, p);
  const user: UserRow = {
    ...newUserDefaults,
    id: shortId('user'), name: p.name, email: p.email ?? null, teamId: p.team_id ?? null, createdAt: Date.now(), metadata: p.metadata ?? {},
    disabled: p.disabled ?? false, admin: p.admin ?? false, ...(limits ? { limits } : {}),
  };
  await store.createUser(user, audit(actor, 'user.create', 'user', user.id, { ...p }));
  return user;
}

export async function updateUser(store: Store, id: string, input: unknown, actor: string): Promise<UserRow> {
  const p = parseInput(userPatchSchema, input);
  if (p.team_id !== undefined) await checkRefs(store, { teamId: p.team_id });
  const limits = mergeLimits((await store.getUser(id))?.limits, p);
  const row = await store.updateUser(
    id,
    {
      ...(p.name !== undefined ? { name: p.name } : {}), ...(p.email !== undefined ? { email: p.email } : {}), ...(p.team_id !== undefined ? { teamId: p.team_id } : {}),
      ...(p.metadata !== undefined ? { metadata: p.metadata } : {}), ...(p.disabled !== undefined ? { disabled: p.disabled } : {}), ...(p.admin !== undefined ? { admin: p.admin } : {}),
      ...(limits ? { limits } : {}),
    },
    audit(actor, 'user.update', 'user', id, { ...p }),
  );
  if (!row) throw notFound('user', id);
  return row;
}

export async function deleteUser(store: Store, id: string, actor: string): Promise<void> {
  if (!(await store.deleteUser(id, audit(actor, 'user.delete', 'user', id, {})))) throw notFound('user', id);
}

export async function createTeam(store: Store, input: unknown, actor: string): Promise<TeamRow> {
  const p = parseInput(teamCreateSchema, input);
  const limits = mergeLimits(undefined, p);
  const team: TeamRow = {
    id: shortId('team'), name: p.name, createdAt: Date.now(), metadata: p.metadata ?? {},
    ...(limits ? { limits } : {}), ...(p.key_policy !== undefined ? { keyPolicy: policyFromInput(p.key_policy) } : {}),
  };
  await store.createTeam(team, audit(actor, 'team.create', 'team', team.id, { ...p }));
  return team;
}

export async function updateTeam(store: Store, id: string, input: unknown, actor: string): Promise<TeamRow> {
  const p = parseInput(teamPatchSchema, input);
  const limits = mergeLimits((await store.getTeam(id))?.limits, p);
  const row = await store.updateTeam(
    id,
    {
      ...(p.name !== undefined ? { name: p.name } : {}), ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
      ...(limits ? { limits } : {}), ...(p.key_policy !== undefined ? { keyPolicy: policyFromInput(p.key_policy) } : {}),
    },
    audit(actor, 'team.update', 'team', id, { ...p }),
  );
  if (!row) throw notFound('team', id);
  return row;
}

export async function deleteTeam(store: Store, id: string, actor: string): Promise<void> {
  if (!(await store.deleteTeam(id, audit(actor, 'team.delete', 'team', id, {})))) throw notFound('team', id);
}
