// Just-in-time users: the first sign-in (or token) of an identity creates its user; each later one brings
// name, email, team and admin flag up to date. Writes only when something changed (each write moves the
// store's revision and reloads every instance's key cache).
import { shortId } from '../access/identity-ops.js';
import type { AuditRow, Store, TeamRow, UserRow, UserSource } from '../store/types.js';
import type { ExternalIdentity } from './claims.js';

function audit(actor: string, action: string, targetType: string, targetId: string, detail: Record<string, unknown>): AuditRow {
  return { time: Date.now(), actor, action, targetType, targetId, detail };
}

/** The team with this name, created when missing. */
async function teamNamed(store: Store, name: string, actor: string): Promise<TeamRow> {
  const existing = (await store.listTeams()).find((t) => t.name === name);
  if (existing) return existing;
  const team: TeamRow = { id: shortId('team'), name, createdAt: Date.now(), metadata: {} };
  await store.createTeam(team, audit(actor, 'team.create', 'team', team.id, { name, jit: true }));
  return team;
}

export interface SyncResult {
  readonly user: UserRow;
  /** True when the store was written (callers reload their key cache). */
  readonly changed: boolean;
}

/** Finds or creates the user of an external identity and applies the claims' name, email, team and admin flag. */
export async function syncExternalUser(store: Store, id: ExternalIdentity, source: UserSource): Promise<SyncResult> {
  const actor = `${source}:${id.issuer}`;
  const teamId = id.teamName === undefined ? undefined : id.teamName === null ? null : (await teamNamed(store, id.teamName, actor)).id;
  let user = await store.findExternalUser(id.issuer, id.subject);
  if (!user) {
    const row: UserRow = {
      id: shortId('user'),
      name: id.name,
      email: id.email,
      teamId: teamId ?? null,
      createdAt: Date.now(),
      metadata: {},
      disabled: false,
      admin: id.admin ?? false,
      source,
      externalIssuer: id.issuer,
      externalSubject: id.subject,
    };
    try {
      await store.createUser(row, audit(actor, 'user.create', 'user', row.id, { subject: id.subject, jit: true }));
      return { user: row, changed: true };
    } catch (err) {
      // Another instance created it at the same moment (unique issuer + subject): use theirs.
      user = await store.findExternalUser(id.issuer, id.subject);
      if (!user) throw err;
    }
  }
  const patch: { name?: string; email?: string | null; teamId?: string | null; admin?: boolean } = {};
  if (user.name !== id.name) patch.name = id.name;
  if (id.email !== null && user.email !== id.email) patch.email = id.email;
  if (teamId !== undefined && user.teamId !== teamId) patch.teamId = teamId;
  if (id.admin !== undefined && user.admin !== id.admin) patch.admin = id.admin;
  if (Object.keys(patch).length === 0) return { user, changed: false };
  const updated = await store.updateUser(user.id, patch, audit(actor, 'user.update', 'user', user.id, { ...patch, jit: true }));
  return { user: updated ?? user, changed: true };
}
