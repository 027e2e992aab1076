// Self-service keys: a user creates, lists and revokes their own keys within their team's key policy.
// Used by /v1/me/keys (the caller's own user), /admin/users/{id}/keys and `relais users keys`.
import { z } from 'zod';
import { errors } from '../protocol/errors.js';
import type { AuditRow, KeyPolicy, KeyRow, KeySettings, Store, TeamRow, UserRow } from '../store/types.js';
import { generateSecret } from './key-secret.js';
import { modelMatcher } from './model-match.js';
import { notFound } from './identity-ops.js';
import { keyCreateSchema, keyDefaults, keyPatchFromInput } from './settings-schema.js';
import { parseInput } from './validation.js';

const DAY = 86_400_000;

/** What a user may set on their own key: a subset of the admin's fields (no admin, user, team, logging). */
// The budget period is the policy's: a member cannot turn 5 credits a month into 5 a day.
export const ownKeySchema = keyCreateSchema.pick({
  name: true, models: true, zones: true, budget: true, expires_at: true, rpm: true, tpm: true, concurrency: true, metadata: true,
}).strict();

const forbidden = (message: string) => errors.forbidden(message, 'key_policy_violation');

/** Active keys: neither revoked nor expired. */
const active = (k: KeyRow, now: number): boolean => k.revokedAt === null && (k.expiresAt === null || k.expiresAt > now);

export async function userAndPolicy(store: Store, userId: string): Promise<{ user: UserRow; team: TeamRow | undefined; policy: KeyPolicy | null }> {
  const user = await store.getUser(userId);
  if (!user) throw notFound('user', userId);
  const team = user.teamId === null ? undefined : await store.getTeam(user.teamId);
  return { user, team, policy: team?.keyPolicy ?? null };
}

/** The settings of a new key for `user`, checked against the policy (absent fields take the policy's bounds). */
export function settingsWithinPolicy(input: z.infer<typeof ownKeySchema>, user: UserRow, policy: KeyPolicy, now: number): KeySettings {
  const patch = keyPatchFromInput(input);
  let models = patch.models ?? policy.models;
  if (policy.models.length > 0) {
    const allowed = modelMatcher(policy.models);
    // A requested glob passes only when the policy itself lists it or matches it as a name.
    const outside = models.length === 0 ? ['(every model)'] : models.filter((m) => !policy.models.includes(m) && !allowed(m));
    if (outside.length > 0) throw forbidden(`Your team's key policy does not allow the model(s) ${outside.join(', ')}; allowed: ${policy.models.join(', ')}.`);
  } else models = patch.models ?? [];
  let zones = patch.zones ?? policy.zones;
  if (!policy.zones.includes('any')) {
    const outside = zones.filter((z) => !policy.zones.includes(z));
    if (outside.length > 0) throw forbidden(`Your team's key policy does not allow the zone(s) ${outside.join(', ')}; allowed: ${policy.zones.join(', ')}.`);
  } else zones = patch.zones ?? ['any'];
  let budget = patch.budget === undefined ? policy.maxBudget : patch.budget;
  if (policy.maxBudget !== null && (budget === null || budget > policy.maxBudget)) {
    throw forbidden(`Your team's key policy allows a budget of at most ${policy.maxBudget} credits per key.`);
  }
  budget ??= null;
  let expiresAt = patch.expiresAt === undefined ? (policy.maxExpiryDays === null ? null : now + policy.maxExpiryDays * DAY) : patch.expiresAt;
  if (policy.maxExpiryDays !== null && (expiresAt === null || expiresAt > now + policy.maxExpiryDays * DAY)) {
    throw forbidden(`Your team's key policy allows keys that expire within ${policy.maxExpiryDays} days.`);
  }
  expiresAt ??= null;
  return {
    ...keyDefaults, ...patch, name: input.name, userId: user.id, teamId: user.teamId, models, zones, budget, budgetPeriod: policy.budgetPeriod ?? 'monthly', expiresAt, admin: false,
  };
}

/** Creates a key for a user within the team's policy; the secret is returned once. */
export async function createOwnKey(store: Store, userId: string, input: unknown, actor: string, now = Date.now()): Promise<{ row: KeyRow; secret: string }> {
  const parsed = parseInput(ownKeySchema, input);
  const { user, policy } = await userAndPolicy(store, userId);
  if (!policy) throw forbidden(user.teamId === null ? 'Self-service keys need a team with a key policy; you belong to no team.' : "Your team's admin has not set a key policy: self-service keys are off.");
  const settings = settingsWithinPolicy(parsed, user, policy, now);
  if (policy.maxKeysPerUser !== null) {
    const mine = (await store.listKeys()).filter((k) => k.userId === user.id && active(k, now));
    if (mine.length >= policy.maxKeysPerUser) throw forbidden(`Your team's key policy allows at most ${policy.maxKeysPerUser} active keys per user; revoke one first.`);
  }
  const s = generateSecret();
  const audit: AuditRow = { time: now, actor, action: 'key.create_own', targetType: 'key', targetId: s.id, detail: { ...parsed, user_id: user.id } };
  const row = await store.createKey({ ...settings, id: s.id, hash: s.hash, prefix: s.prefix, createdAt: now }, audit);
  return { row, secret: s.secret };
}

export async function listOwnKeys(store: Store, userId: string): Promise<KeyRow[]> {
  return (await store.listKeys()).filter((k) => k.userId === userId);
}

/** Revokes one of the user's keys; another user's key is not found (its existence is not revealed). */
export async function revokeOwnKey(store: Store, userId: string, keyId: string, actor: string): Promise<KeyRow> {
  const k = await store.getKey(keyId);
  if (!k || k.userId !== userId) throw notFound('key', keyId);
  const row = await store.revokeKey(keyId, Date.now(), { time: Date.now(), actor, action: 'key.revoke_own', targetType: 'key', targetId: keyId, detail: { user_id: userId } });
  if (!row) throw notFound('key', keyId);
  return row;
}
