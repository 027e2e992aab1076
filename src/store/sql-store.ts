// The Store over any SqlDb: the same SQL serves SQLite and PostgreSQL.
import type { UsageRecord } from '../usage/record.js';
import { withCleanText } from './clean-text.js';
import type { SqlDb, SqlRow, SqlStatement, SqlValue } from './sql-db.js';
import {
  auditFromRow, keyFromRow, keySettingColumns, keySettingFields, num, promptLogFromRow, storedResponseFromRow, teamFromRow, userFromRow,
} from './rows.js';
import { journalMarkUpsert, rollupFromRow, rollupStatements, usageInserts, usageQuery } from './usage-sql.js';
import { activityFromRow, activityQuery } from './activity-sql.js';
import { promptLogSearch, sessionFromRow } from './console-sql.js';
import { usageFromRow, usageListQuery } from './usage-records-sql.js';
import { limitSets, policyValue } from './limits-sql.js';
import * as alerts from './alerts-sql.js';
import {
  completeRollups, ensurePartitions, firstUsageFrom, listPartitions, purgePromptLogStep, purgeUsageStep,
} from './usage-retention-sql.js';
import { DAY_MS } from './usage-sql.js';
import { SqlitePurgeWorker } from './sqlite-purge-worker.js';
import type {
  ActivityQuery, ActivityRow, AlertOutcome, AlertRow, AuditQuery, AuditRow, JournalMark, KeyPolicy, KeyRow, SubjectLimits, KeySettings, NewKey, PromptLogQuery, PromptLogRow, SessionRow,
  Store, StoredResponseRow, TeamRow, UsageExportRow, UsageListQuery, UsagePurgeStep, UsageQuery, UsageRollupRow, UserRow,
} from './types.js';

/** How long a purge step waits for PostgreSQL's lock on the usage table before trying again later. */
const PURGE_LOCK_TIMEOUT_MS = 2_000;

// Days 1970 to 9999 get a partition; a record with any other time finds none and is refused by itself.
const LAST_DAY = Date.UTC(9999, 11, 31);
const daysOf = (records: readonly UsageRecord[]): number[] => [
  ...new Set(records.map((r) => Math.floor(Math.round(r.time) / DAY_MS) * DAY_MS).filter((d) => Number.isFinite(d) && d >= 0 && d <= LAST_DAY)),
];

const bumpRevision: SqlStatement = { sql: "UPDATE meta SET value = value + 1 WHERE key = 'revision'", params: [] };
const bumpSessions: SqlStatement = { sql: "UPDATE meta SET value = value + 1 WHERE key = 'sessions'", params: [] };

function auditInsert(a: AuditRow): SqlStatement {
  return {
    sql: 'INSERT INTO audit (time, actor, action, target_type, target_id, detail) VALUES (?, ?, ?, ?, ?, ?)',
    params: [a.time, a.actor, a.action, a.targetType, a.targetId, JSON.stringify(a.detail)],
  };
}

/** A change to an identity: the statement, the revision bump and its audit record, atomically. */
function change(statement: SqlStatement, audit: AuditRow): SqlStatement[] {
  return [statement, bumpRevision, auditInsert(audit)];
}

/** `UPDATE table SET a = ?, b = ? WHERE id = ? RETURNING *` from the present fields of a patch. */
function updateStatement(table: string, id: string, sets: [string, SqlValue][]): SqlStatement {
  if (sets.length === 0) return { sql: `SELECT * FROM ${table} WHERE id = ?`, params: [id] };
  return {
    sql: `UPDATE ${table} SET ${sets.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ? RETURNING *`,
    params: [...sets.map(([, v]) => v), id],
  };
}

/** Limits (users, teams) and key policy (teams) of a patch, when present. */
function limitAndPolicySets(p: { limits?: SubjectLimits | undefined; keyPolicy?: KeyPolicy | null | undefined }): [string, SqlValue][] {
  const sets = p.limits !== undefined ? limitSets(p.limits) : [];
  if (p.keyPolicy !== undefined) sets.push(['key_policy', policyValue(p.keyPolicy)]);
  return sets;
}

/** A new user's or team's limits and policy, set in the creating transaction. */
function extraSets(table: string, id: string, p: { limits?: SubjectLimits | undefined; keyPolicy?: KeyPolicy | null | undefined }): SqlStatement[] {
  const sets = limitAndPolicySets(p);
  return sets.length === 0 ? [] : [{ sql: `UPDATE ${table} SET ${sets.map(([c]) => `${c} = ?`).join(', ')} WHERE id = ?`, params: [...sets.map(([, v]) => v), id] }];
}

export class SqlStore implements Store {
  private readonly db: SqlDb;
  /** PostgreSQL: days whose usage partition this instance made sure of (records need one to land in). */
  private readonly partitionDays = new Set<number>();

  /** SQLite file: purge deletes run on a worker thread (its own connection), off the gateway's thread. */
  private readonly purgeWorker: SqlitePurgeWorker | undefined;

  constructor(db: SqlDb, options: { readonly sqlitePath?: string | undefined } = {}) {
    this.db = withCleanText(db);
    const path = options.sqlitePath;
    this.purgeWorker = db.kind === 'sqlite' && path !== undefined && path !== ':memory:' ? new SqlitePurgeWorker(path) : undefined;
  }

  get kind(): 'sqlite' | 'postgres' {
    return this.db.kind;
  }

  async createTeam(team: TeamRow, audit: AuditRow): Promise<void> {
    await this.db.tx(change({
      sql: 'INSERT INTO teams (id, name, created_at, metadata) VALUES (?, ?, ?, ?)',
      params: [team.id, team.name, team.createdAt, JSON.stringify(team.metadata)],
    }, audit).concat(extraSets('teams', team.id, team)));
  }

  async getTeam(id: string): Promise<TeamRow | undefined> {
    return this.byId('teams', id, teamFromRow);
  }

  async listTeams(): Promise<TeamRow[]> {
    return (await this.db.query('SELECT * FROM teams ORDER BY created_at, id')).map(teamFromRow);
  }

  async updateTeam(id: string, patch: Partial<Omit<TeamRow, 'id' | 'createdAt'>>, audit: AuditRow): Promise<TeamRow | undefined> {
    const sets: [string, SqlValue][] = [];
    if (patch.name !== undefined) sets.push(['name', patch.name]);
    if (patch.metadata !== undefined) sets.push(['metadata', JSON.stringify(patch.metadata)]);
    sets.push(...limitAndPolicySets(patch));
    return this.changeRow(updateStatement('teams', id, sets), audit, teamFromRow);
  }

  async deleteTeam(id: string, audit: AuditRow): Promise<boolean> {
    // Members and keys keep existing without the team.
    const [, , rows] = await this.db.tx([
      { sql: 'UPDATE users SET team_id = NULL WHERE team_id = ?', params: [id] },
      { sql: 'UPDATE api_keys SET team_id = NULL WHERE team_id = ?', params: [id] },
      ...change({ sql: 'DELETE FROM teams WHERE id = ? RETURNING id', params: [id] }, audit),
    ]);
    return (rows ?? []).length > 0;
  }

  async createUser(user: UserRow, audit: AuditRow): Promise<void> {
    await this.db.tx(change({
      sql: `INSERT INTO users (id, name, email, team_id, created_at, metadata, disabled, admin, source, external_issuer, external_subject)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        user.id, user.name, user.email, user.teamId, user.createdAt, JSON.stringify(user.metadata),
        user.disabled ? 1 : 0, user.admin ? 1 : 0, user.source, user.externalIssuer, user.externalSubject,
      ],
    }, audit).concat(extraSets('users', user.id, user)));
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    return this.byId('users', id, userFromRow);
  }

  async listUsers(): Promise<UserRow[]> {
    return (await this.db.query('SELECT * FROM users ORDER BY created_at, id')).map(userFromRow);
  }

  async updateUser(id: string, patch: Partial<Omit<UserRow, 'id' | 'createdAt'>>, audit: AuditRow): Promise<UserRow | undefined> {
    const sets: [string, SqlValue][] = [];
    if (patch.name !== undefined) sets.push(['name', patch.name]);
    if (patch.email !== undefined) sets.push(['email', patch.email]);
    if (patch.teamId !== undefined) sets.push(['team_id', patch.teamId]);
    if (patch.metadata !== undefined) sets.push(['metadata', JSON.stringify(patch.metadata)]);
    if (patch.disabled !== undefined) sets.push(['disabled', patch.disabled ? 1 : 0]);
    if (patch.admin !== undefined) sets.push(['admin', patch.admin ? 1 : 0]);
    sets.push(...limitAndPolicySets(patch));
    return this.changeRow(updateStatement('users', id, sets), audit, userFromRow);
  }

  async findExternalUser(issuer: string, subject: string): Promise<UserRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM users WHERE external_issuer = ? AND external_subject = ?', [issuer, subject]);
    return row ? userFromRow(row) : undefined;
  }

  async deleteUser(id: string, audit: AuditRow): Promise<boolean> {
    const [, rows] = await this.db.tx([
      { sql: 'UPDATE api_keys SET user_id = NULL WHERE user_id = ?', params: [id] },
      ...change({ sql: 'DELETE FROM users WHERE id = ? RETURNING id', params: [id] }, audit),
    ]);
    return (rows ?? []).length > 0;
  }

  async createKey(key: NewKey, audit: AuditRow): Promise<KeyRow> {
    const cols = Object.keys(keySettingColumns);
    const values = Object.values(keySettingColumns).map((f) => f(key));
    const row = await this.changeRow({
      sql: `INSERT INTO api_keys (id, hash, prefix, created_at, ${cols.join(', ')}) VALUES (?, ?, ?, ?, ${cols.map(() => '?').join(', ')}) RETURNING *`,
      params: [key.id, key.hash, key.prefix, key.createdAt, ...values],
    }, audit, keyFromRow);
    if (!row) throw new Error('key insert returned no row');
    return row;
  }

  async getKey(id: string): Promise<KeyRow | undefined> {
    return this.byId('api_keys', id, keyFromRow);
  }

  async listKeys(): Promise<KeyRow[]> {
    return (await this.db.query('SELECT * FROM api_keys ORDER BY created_at, id')).map(keyFromRow);
  }

  async updateKey(id: string, patch: Partial<KeySettings>, audit: AuditRow): Promise<KeyRow | undefined> {
    const sets: [string, SqlValue][] = [];
    for (const [col, toValue] of Object.entries(keySettingColumns)) {
      const field = keySettingFields[col] as keyof KeySettings;
      if (field in patch && patch[field] !== undefined) sets.push([col, toValue(patch)]);
    }
    return this.changeRow(updateStatement('api_keys', id, sets), audit, keyFromRow);
  }

  async revokeKey(id: string, at: number, audit: AuditRow): Promise<KeyRow | undefined> {
    return this.changeRow({
      sql: 'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *',
      params: [at, id],
    }, audit, keyFromRow);
  }

  async revision(): Promise<number> {
    const [row] = await this.db.query("SELECT value FROM meta WHERE key = 'revision'");
    return num(row?.value);
  }

  async insertUsage(records: readonly UsageRecord[], mark?: JournalMark): Promise<void> {
    if (records.length === 0) return;
    const write = (): Promise<SqlRow[][]> => this.db.tx([...usageInserts(records), ...rollupStatements(records), ...(mark ? [journalMarkUpsert(mark)] : [])]);
    if (this.db.kind === 'sqlite') {
      await write();
      return;
    }
    const missing = daysOf(records).filter((d) => !this.partitionDays.has(d));
    if (missing.length > 0) await this.ensureDays(missing);
    try {
      await write();
    } catch (err) {
      // 23514: no partition for a row — another instance's purge dropped a day this one thought it had.
      if ((err as { code?: string }).code !== '23514') throw err;
      this.partitionDays.clear();
      await this.ensureDays(daysOf(records));
      await write();
    }
  }

  private async ensureDays(days: readonly number[], lockTimeoutMs?: number): Promise<void> {
    await ensurePartitions(this.db, days, lockTimeoutMs);
    for (const d of days) this.partitionDays.add(d);
  }

  async ensureUsagePartitions(from: number, to: number): Promise<void> {
    if (this.db.kind !== 'postgres') return;
    const days: number[] = [];
    for (let d = Math.floor(from / DAY_MS) * DAY_MS; d < to; d += DAY_MS) if (!this.partitionDays.has(d)) days.push(d);
    // Ahead of need, so a busy table is not waited for: the next run tries again.
    await this.ensureDays(days, PURGE_LOCK_TIMEOUT_MS);
  }

  async usagePartitions(): Promise<{ name: string; from: number; to: number }[]> {
    return this.db.kind === 'postgres' ? listPartitions(this.db) : [];
  }

  withPurgeLock<T>(fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    return this.db.exclusive('relais-usage-purge', fn);
  }

  firstUsageFrom(from: number, before: number): Promise<number | undefined> {
    return firstUsageFrom(this.db, from, before);
  }

  completeUsageRollups(day: number): Promise<number> {
    return completeRollups(this.db, day);
  }

  async purgeUsageStep(before: number, limit: number): Promise<UsagePurgeStep> {
    if (this.purgeWorker) return { rows: await this.purgeWorker.deleteUsage(before, limit), partitions: 0 };
    const step = await purgeUsageStep(this.db, before, limit, PURGE_LOCK_TIMEOUT_MS);
    // A dropped day is no longer there to write into.
    if (step.partitions > 0) this.partitionDays.clear();
    return step;
  }

  purgePromptLogStep(before: number, now: number, limit: number): Promise<number> {
    return purgePromptLogStep(this.db, before, now, limit);
  }

  async journalMark(journalId: string): Promise<number> {
    const [row] = await this.db.query('SELECT seq FROM usage_journal WHERE journal_id = ?', [journalId]);
    return num(row?.seq);
  }

  async forgetJournal(journalId: string): Promise<void> {
    await this.db.query('DELETE FROM usage_journal WHERE journal_id = ?', [journalId]);
  }

  async insertPromptLogs(rows: readonly PromptLogRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.db.tx(rows.map((r) => ({
      sql: 'INSERT INTO prompt_logs (request_id, time, key_id, model, request, response, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      params: [r.requestId, r.time, r.keyId, r.model, r.request, r.response, r.expiresAt],
    })));
  }

  async purgePromptLogs(now: number): Promise<number> {
    const rows = await this.db.query('DELETE FROM prompt_logs WHERE expires_at < ? RETURNING 1 AS n', [now]);
    return rows.length;
  }

  async listPromptLogs(keyId: string, limit: number): Promise<PromptLogRow[]> {
    return (await this.db.query('SELECT * FROM prompt_logs WHERE key_id = ? ORDER BY time DESC LIMIT ?', [keyId, limit])).map(promptLogFromRow);
  }

  async putResponse(r: StoredResponseRow): Promise<void> {
    await this.db.query(
      'INSERT INTO stored_responses (id, owner, model, created_at, expires_at, response, input_items, context) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [r.id, r.owner, r.model, r.createdAt, r.expiresAt, r.response, r.inputItems, r.context],
    );
  }

  async getResponse(id: string, owner: string, now: number): Promise<StoredResponseRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM stored_responses WHERE id = ? AND owner = ? AND expires_at >= ?', [id, owner, now]);
    return row ? storedResponseFromRow(row) : undefined;
  }

  async deleteResponse(id: string, owner: string): Promise<boolean> {
    const rows = await this.db.query('DELETE FROM stored_responses WHERE id = ? AND owner = ? RETURNING id', [id, owner]);
    return rows.length > 0;
  }

  async purgeResponses(now: number): Promise<number> {
    const rows = await this.db.query('DELETE FROM stored_responses WHERE expires_at < ? RETURNING 1 AS n', [now]);
    return rows.length;
  }

  async countUsage(): Promise<number> {
    const [row] = await this.db.query('SELECT COUNT(*) AS n FROM usage');
    return num(row?.n);
  }

  async usage(query: UsageQuery): Promise<UsageRollupRow[]> {
    const q = usageQuery(query);
    return (await this.db.query(q.sql, q.params)).map((r) => rollupFromRow(query.groupBy, r));
  }

  spendByKey(since: number): Promise<Map<string, number>> {
    return this.spendBy('key', since);
  }

  async spendBy(group: 'key' | 'user' | 'team', since: number): Promise<Map<string, number>> {
    const col = `${group}_id`;
    const rows = await this.db.query(`SELECT ${col} AS id, SUM(cost) AS cost FROM usage_daily WHERE day >= ? AND ${col} <> '' GROUP BY ${col}`, [since]);
    return new Map(rows.map((r) => [String(r.id), num(r.cost)]));
  }

  async listUsage(query: UsageListQuery): Promise<UsageRecord[]> {
    const q = usageListQuery(query);
    return (await this.db.query(q.sql, q.params)).map(usageFromRow);
  }

  async exportUsage(query: UsageListQuery, prompts: boolean): Promise<UsageExportRow[]> {
    const q = usageListQuery(query, prompts);
    return (await this.db.query(q.sql, q.params)).map((r) => {
      const record = usageFromRow(r);
      return r.prompt_request === null || r.prompt_request === undefined
        ? record
        : { ...record, prompt: { request: String(r.prompt_request), response: String(r.prompt_response ?? '') } };
    });
  }

  async activity(query: ActivityQuery): Promise<ActivityRow[]> {
    const q = activityQuery(query);
    return (await this.db.query(q.sql, q.params)).map(activityFromRow);
  }

  async searchPromptLogs(query: PromptLogQuery): Promise<PromptLogRow[]> {
    const q = promptLogSearch(query);
    return (await this.db.query(q.sql, q.params)).map(promptLogFromRow);
  }

  async createSession(row: SessionRow): Promise<void> {
    await this.db.tx([
      {
        sql: 'INSERT INTO console_sessions (id, subject_kind, subject_id, method, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        params: [row.id, row.subjectKind, row.subjectId, row.method, row.createdAt, row.expiresAt],
      },
      bumpSessions,
    ]);
  }

  async getSession(id: string): Promise<SessionRow | undefined> {
    const [row] = await this.db.query('SELECT * FROM console_sessions WHERE id = ?', [id]);
    return row ? sessionFromRow(row) : undefined;
  }

  async listSessions(now: number): Promise<SessionRow[]> {
    return (await this.db.query('SELECT * FROM console_sessions WHERE expires_at > ?', [now])).map(sessionFromRow);
  }

  async deleteSession(id: string): Promise<boolean> {
    const [rows] = await this.db.tx([{ sql: 'DELETE FROM console_sessions WHERE id = ? RETURNING id', params: [id] }, bumpSessions]);
    return (rows ?? []).length > 0;
  }

  async purgeSessions(now: number): Promise<number> {
    return (await this.db.query('DELETE FROM console_sessions WHERE expires_at <= ? RETURNING 1 AS n', [now])).length;
  }

  async sessionRevision(): Promise<number> {
    const [row] = await this.db.query("SELECT value FROM meta WHERE key = 'sessions'");
    return num(row?.value);
  }

  insertAlert(row: AlertRow): Promise<boolean> {
    return alerts.insertAlert(this.db, row);
  }

  dueAlerts(now: number, limit: number): Promise<AlertRow[]> {
    return alerts.dueAlerts(this.db, now, limit);
  }

  claimAlert(id: number, attempts: number, retryAt: number): Promise<boolean> {
    return alerts.claimAlert(this.db, id, attempts, retryAt);
  }

  finishAlert(id: number, outcome: AlertOutcome): Promise<void> {
    return alerts.finishAlert(this.db, id, outcome);
  }

  listAlerts(query: { from?: number | undefined; limit: number }): Promise<AlertRow[]> {
    return alerts.listAlerts(this.db, query);
  }

  async appendAudit(row: AuditRow): Promise<void> {
    const s = auditInsert(row);
    await this.db.query(s.sql, s.params);
  }

  async listAudit(query: AuditQuery): Promise<AuditRow[]> {
    const rows = await this.db.query(
      'SELECT * FROM audit WHERE time >= ? AND time < ? ORDER BY id DESC LIMIT ?',
      [query.from ?? 0, query.to ?? Number.MAX_SAFE_INTEGER, query.limit],
    );
    return rows.map(auditFromRow);
  }

  async close(): Promise<void> {
    await this.purgeWorker?.close();
    await this.db.close();
  }

  private async byId<T>(table: string, id: string, fromRow: (r: SqlRow) => T): Promise<T | undefined> {
    const [row] = await this.db.query(`SELECT * FROM ${table} WHERE id = ?`, [id]);
    return row ? fromRow(row) : undefined;
  }

  /** An identity change whose statement returns the changed row; undefined when no row matched. */
  private async changeRow<T>(statement: SqlStatement, audit: AuditRow, fromRow: (r: SqlRow) => T): Promise<T | undefined> {
    const [rows] = await this.db.tx(change(statement, audit));
    const row = rows?.[0];
    return row ? fromRow(row) : undefined;
  }
}
