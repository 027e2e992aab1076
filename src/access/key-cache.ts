// Every key in memory, looked up by hash on the hot path; reloaded when the store's revision moves.
import type { KeyRow, Store, SubjectLimits, UserRow } from '../store/types.js';
import { hasLimits } from './limits-schema.js';
import type { Principal } from './principal.js';
import { modelMatcher, type ModelMatcher } from './model-match.js';
import { periodBounds } from './periods.js';

export interface CachedKey {
  readonly row: KeyRow;
  readonly principal: Principal;
  readonly allows: ModelMatcher;
  /** Spend this key's current period according to the store when the cache loaded (budget seed). */
  readonly seed: { readonly periodStart: number; readonly spent: number } | undefined;
  /** The key's user and team when they have limits (looked up once per load, not per request). */
  readonly user?: CachedSubject | undefined;
  readonly team?: CachedSubject | undefined;
}

/** A user or team with limits: counted together for all its keys. */
export interface CachedSubject {
  readonly level: 'user' | 'team';
  readonly id: string;
  /** Its limiter counter name (subjectName), built once at load. */
  readonly name: string;
  readonly limits: SubjectLimits;
  /** Spend this period according to the store when the cache loaded (budget seed). */
  readonly seed: { readonly periodStart: number; readonly spent: number } | undefined;
}

/** The limiter's counter name of a user or team (a key's is its id). */
export const subjectName = (level: 'user' | 'team', id: string): string => `${level}:${id}`;

function principalOf(row: KeyRow, defaultRetentionDays: number, allows: ModelMatcher): Principal {
  return {
    kind: 'key',
    admin: row.admin,
    keyId: row.id,
    keyName: row.name,
    userId: row.userId ?? undefined,
    teamId: row.teamId ?? undefined,
    zones: row.zones.length === 0 || row.zones.includes('any') ? 'any' : Object.freeze([...row.zones]),
    priority: row.priority,
    logging: row.logging,
    logRetentionDays: row.logRetentionDays > 0 ? row.logRetentionDays : defaultRetentionDays,
    models: row.models.length === 0 ? undefined : allows,
    ...(row.storeResponses === false ? { storeResponses: false } : {}),
  };
}

/** A person's own principal (single sign-on session): every model, every zone, the user's admin flag. */
function userPrincipalOf(u: UserRow): Principal {
  return { kind: 'user', admin: u.admin, userId: u.id, userName: u.name, teamId: u.teamId ?? undefined, zones: 'any', priority: 'interactive', logging: 'none' };
}

export interface CachedUser {
  readonly row: UserRow;
  readonly principal: Principal;
  /** The user's and their team's limits, when set: a person signed in or holding a JWT counts against them too. */
  readonly user?: CachedSubject | undefined;
  readonly team?: CachedSubject | undefined;
}

export class KeyCache {
  private byHash = new Map<string, CachedKey>();
  private byId = new Map<string, CachedKey>();
  private users = new Map<string, CachedUser>();
  private loadedRevision = -1;
  /** When the last unrevoked key expires (Infinity when one never does, 0 when there is none). */
  private usableUntil = 0;
  private anyKey = false;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly defaultRetentionDays: number,
    private readonly now: () => number,
  ) {}

  get(hash: string): CachedKey | undefined {
    return this.byHash.get(hash);
  }

  getById(id: string): CachedKey | undefined {
    return this.byId.get(id);
  }

  /** A user as of the last load (users are reloaded with keys: disabling one reaches every instance the same way). */
  getUser(id: string): CachedUser | undefined {
    return this.users.get(id);
  }

  /** True while at least one key is neither revoked nor expired; O(1), it is asked on every request. */
  get hasUsableKeys(): boolean {
    return this.now() < this.usableUntil;
  }

  /** True once the store holds any key, usable or not (revoked and expired keys stay in it). */
  get hadKeys(): boolean {
    return this.anyKey;
  }

  get revision(): number {
    return this.loadedRevision;
  }

  /** Reloads when the store's revision differs from the loaded one (or always with force). */
  async refresh(force = false): Promise<void> {
    // One load at a time; a forced refresh after an admin change waits for the one in flight, then loads again.
    while (this.loading) await this.loading;
    if (!force && (await this.store.revision()) === this.loadedRevision) return;
    this.loading = this.load().finally(() => {
      this.loading = undefined;
    });
    await this.loading;
  }

  private async load(): Promise<void> {
    const revision = await this.store.revision();
    const rows = await this.store.listKeys();
    const users = await this.store.listUsers();
    const now = this.now();
    const starts = new Set(rows.filter((r) => r.budget !== null).map((r) => periodBounds(r.budgetPeriod, now).start));
    const spends = new Map<number, Map<string, number>>();
    for (const start of starts) spends.set(start, await this.store.spendByKey(start));
    const subjects = await this.loadSubjects(users, now);
    const byHash = new Map<string, CachedKey>();
    const byId = new Map<string, CachedKey>();
    for (const row of rows) {
      const start = periodBounds(row.budgetPeriod, now).start;
      const spent = spends.get(start)?.get(row.id);
      const allows = modelMatcher(row.models);
      const cached: CachedKey = {
        row,
        principal: Object.freeze(principalOf(row, this.defaultRetentionDays, allows)),
        allows,
        seed: row.budget === null ? undefined : { periodStart: start, spent: spent ?? 0 },
        user: row.userId === null ? undefined : subjects.get(subjectName('user', row.userId)),
        team: row.teamId === null ? undefined : subjects.get(subjectName('team', row.teamId)),
      };
      byHash.set(row.hash, cached);
      byId.set(row.id, cached);
    }
    this.byHash = byHash;
    this.byId = byId;
    this.users = new Map(
      users.map((u) => [
        u.id,
        {
          row: u,
          principal: Object.freeze(userPrincipalOf(u)),
          user: subjects.get(subjectName('user', u.id)),
          team: u.teamId === null ? undefined : subjects.get(subjectName('team', u.teamId)),
        },
      ]),
    );
    this.anyKey = rows.length > 0;
    this.usableUntil = rows.reduce((m, r) => (r.revokedAt !== null ? m : Math.max(m, r.expiresAt ?? Number.POSITIVE_INFINITY)), 0);
    this.loadedRevision = revision;
  }

  /** Users and teams that have limits, with their spend this period (budget seeds). */
  private async loadSubjects(users: readonly UserRow[], now: number): Promise<Map<string, CachedSubject>> {
    const teams = await this.store.listTeams();
    const out = new Map<string, CachedSubject>();
    const spends = new Map<string, Map<string, number>>();
    const add = async (level: 'user' | 'team', id: string, limits: SubjectLimits | undefined): Promise<void> => {
      if (!hasLimits(limits)) return;
      let seed: CachedSubject['seed'];
      if (limits.budget !== null) {
        const start = periodBounds(limits.budgetPeriod, now).start;
        const k = `${level}:${start}`;
        let m = spends.get(k);
        if (!m) spends.set(k, (m = await this.store.spendBy(level, start)));
        seed = { periodStart: start, spent: m.get(id) ?? 0 };
      }
      const name = subjectName(level, id);
      out.set(name, { level, id, name, limits, seed });
    };
    for (const u of users) await add('user', u.id, u.limits);
    for (const t of teams) await add('team', t.id, t.limits);
    return out;
  }
}
