// Rows the store keeps: identities (teams, users, keys), usage, prompt logs, audit.
import type { UsageRecord } from '../usage/record.js';
import type { LoggingPolicy, Priority } from '../access/principal.js';

export type BudgetPeriod = 'daily' | 'weekly' | 'monthly' | 'none';

export interface TeamRow {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** Limits shared by every key of the team (absent: none). */
  readonly limits?: SubjectLimits | undefined;
  /** What members may give the keys they create themselves (absent or null: no self-service). */
  readonly keyPolicy?: KeyPolicy | null | undefined;
}

/** Budget and rate limits of a user or a team: every key of theirs counts against them together. */
export interface SubjectLimits {
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly concurrency: number | null;
  /** Credits per period; null is unlimited. */
  readonly budget: number | null;
  readonly budgetPeriod: BudgetPeriod;
}

/** A team's rules for self-service keys (keys members create through /v1/me/keys). */
export interface KeyPolicy {
  /** Models and globs a member's key may be given; empty: every model. */
  readonly models: readonly string[];
  /** Zones a member's key may reach; ['any']: no restriction. */
  readonly zones: readonly string[];
  /** Highest budget per key, in credits per `budgetPeriod`; null: keys may be unlimited. */
  readonly maxBudget: number | null;
  /** The budget period of members' keys (they cannot pick a shorter one to spend more). */
  readonly budgetPeriod?: BudgetPeriod | undefined;
  /** Most active keys one member may hold; null: no limit. */
  readonly maxKeysPerUser: number | null;
  /** Longest a self-service key may live, in days; null: keys may never expire. */
  readonly maxExpiryDays: number | null;
}

export type UserSource = 'admin' | 'oidc' | 'jwt';

export interface UserRow {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly teamId: string | null;
  readonly createdAt: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** Limits shared by every key of the user (absent: none). */
  readonly limits?: SubjectLimits | undefined;
  /** A disabled user's keys, sessions and tokens are refused. */
  readonly disabled: boolean;
  /** Admin rights of the user's own sessions and tokens (single sign-on sets it from groups). */
  readonly admin: boolean;
  /** How the user came to exist. */
  readonly source: UserSource;
  /** The identity provider's issuer and subject, for users created at sign-in (null otherwise). */
  readonly externalIssuer: string | null;
  readonly externalSubject: string | null;
}

/** Everything about a key that can be set by an admin. */
export interface KeySettings {
  readonly name: string;
  readonly userId: string | null;
  readonly teamId: string | null;
  /** Model names and globs (`llama-*`); empty means every model. */
  readonly models: readonly string[];
  /** Epoch ms; null never expires. */
  readonly expiresAt: number | null;
  readonly rpm: number | null;
  readonly tpm: number | null;
  readonly concurrency: number | null;
  /** Credits per period; null is unlimited. */
  readonly budget: number | null;
  readonly budgetPeriod: BudgetPeriod;
  readonly priority: Priority;
  /** Backend zones prompts may reach; ['any'] means no restriction. */
  readonly zones: readonly string[];
  readonly logging: LoggingPolicy;
  /** Days prompt logs are kept when logging is 'full' (and Responses API responses are kept). */
  readonly logRetentionDays: number;
  /** Responses API responses may be stored for this key (default true). */
  readonly storeResponses?: boolean;
  readonly admin: boolean;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface KeyRow extends KeySettings {
  readonly id: string;
  /** sha256 hex of the secret; the secret itself is never stored. */
  readonly hash: string;
  /** First characters of the secret, to recognise a key in listings. */
  readonly prefix: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

export type NewKey = Omit<KeyRow, 'revokedAt'>;

export interface PromptLogRow {
  readonly requestId: string;
  readonly time: number;
  readonly keyId: string | null;
  readonly model: string;
  readonly request: string;
  readonly response: string;
  /** Epoch ms after which the purge deletes the row. */
  readonly expiresAt: number;
}

export interface AuditRow {
  readonly id?: number;
  readonly time: number;
  /** Key id of the admin, 'master', 'anonymous' or 'cli'. */
  readonly actor: string;
  readonly action: string;
  readonly targetType: string;
  readonly targetId: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

export const usageGroups = ['key', 'user', 'team', 'model', 'backend', 'day'] as const;
export type UsageGroup = (typeof usageGroups)[number];

export interface UsageQuery {
  readonly groupBy: UsageGroup;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly keyId?: string | undefined;
}

/** Sums over a set of usage records. */
export interface UsageTotals {
  readonly requests: number;
  readonly errors: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly cost: number;
  readonly totalMs: number;
}

export interface UsageRollupRow extends UsageTotals {
  /** Group value: key id, user id, team id, model, backend or YYYY-MM-DD; '' when unknown. */
  readonly group: string;
}

export type ActivityDimension = 'key' | 'user' | 'team' | 'model' | 'backend';

export interface ActivityFilters {
  readonly keyId?: string | undefined;
  readonly userId?: string | undefined;
  readonly teamId?: string | undefined;
  readonly model?: string | undefined;
  readonly backend?: string | undefined;
}

/** Usage over a range: time buckets and/or one dimension, filtered; whole hours/days read the rollups. */
export interface ActivityQuery {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly bucket?: 'hour' | 'day' | undefined;
  readonly split?: ActivityDimension | undefined;
  readonly filters?: ActivityFilters | undefined;
  /** With a split: only these values of the split dimension. */
  readonly groups?: readonly string[] | undefined;
  /** Rows at most (ranked lists: most expensive first). */
  readonly limit?: number | undefined;
}

export interface ActivityRow extends UsageTotals {
  /** Bucket start (epoch ms, UTC) when bucketed. */
  readonly time: number | null;
  /** Dimension value when split ('' when unknown). */
  readonly group: string | null;
}

export interface PromptLogQuery {
  readonly keyId?: string | undefined;
  readonly model?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** Case-insensitive text in the request or the response. */
  readonly text?: string | undefined;
  readonly limit: number;
}

/** A signed-in console session. Who it is for: a key, the master key, or (single sign-on) a user. */
export interface SessionRow {
  /** sha256 hex of the cookie's token. */
  readonly id: string;
  readonly subjectKind: 'key' | 'master' | 'user';
  readonly subjectId: string;
  /** How it was signed in: 'key' today; single sign-on adds its own (e.g. 'oidc:<provider>'). */
  readonly method: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/** Raw usage records in a time range, a page at a time. */
export interface UsageListQuery {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  /** Continue after this record (pages are ordered by time, then request id). */
  readonly after?: { readonly time: number; readonly requestId: string } | undefined;
  readonly limit: number;
}

/** A raw record as exported, with its prompt log when asked for and kept (keys with logging: full). */
export interface UsageExportRow extends UsageRecord {
  readonly prompt?: { readonly request: string; readonly response: string } | undefined;
}

/** One bounded step of the retention purge: rows removed and day partitions dropped (PostgreSQL). */
export interface UsagePurgeStep {
  readonly rows: number;
  readonly partitions: number;
}

/** A local usage journal (src/usage/journal.ts) and the sequence number of its last record in a batch. */
export interface JournalMark {
  readonly journalId: string;
  readonly seq: number;
}

export interface AuditQuery {
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  readonly limit: number;
}

/** A response of the Responses API kept for previous_response_id and GET /v1/responses/{id}. */
export interface StoredResponseRow {
  readonly id: string;
  /** The key that made it (key id, or 'master' / 'anonymous'): only it can read or delete it. */
  readonly owner: string;
  readonly model: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms after which it is gone. */
  readonly expiresAt: number;
  /** The response object (JSON text). */
  readonly response: string;
  /** This request's input items (JSON array text). */
  readonly inputItems: string;
  /** The conversation up to and including this response's output, as chat messages (JSON array text). */
  readonly context: string;
}

/** Stored responses: a table of the store, or memory for a gateway without one. */
export interface ResponseStore {
  putResponse(row: StoredResponseRow): Promise<void>;
  /** Undefined when absent, expired or owned by another key. */
  getResponse(id: string, owner: string, now: number): Promise<StoredResponseRow | undefined>;
  deleteResponse(id: string, owner: string): Promise<boolean>;
  /** Deletes responses whose retention ended before `now`; returns how many. */
  purgeResponses(now: number): Promise<number>;
}

/** An alert (budget threshold crossed, key about to expire) and its delivery to one webhook. */
export interface AlertRow {
  readonly id?: number;
  /** Unique: the same alert for the same webhook is raised once (per threshold per period, per expiry). */
  readonly dedupe: string;
  readonly time: number;
  readonly kind: 'budget' | 'key_expiry';
  readonly level: 'key' | 'user' | 'team';
  readonly subjectId: string;
  /** Percent of the budget (budget alerts). */
  readonly threshold: number | null;
  readonly periodStart: number | null;
  readonly url: string;
  /** The webhook body (JSON text). */
  readonly payload: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly deliveredAt: number | null;
  readonly lastError: string | null;
}

export interface AlertOutcome {
  readonly status: AlertRow['status'];
  readonly deliveredAt?: number | undefined;
  readonly lastError?: string | undefined;
  readonly nextAttemptAt?: number | undefined;
}

export interface Store extends ResponseStore {
  readonly kind: 'sqlite' | 'postgres';

  createTeam(team: TeamRow, audit: AuditRow): Promise<void>;
  getTeam(id: string): Promise<TeamRow | undefined>;
  listTeams(): Promise<TeamRow[]>;
  updateTeam(id: string, patch: Partial<Omit<TeamRow, 'id' | 'createdAt'>>, audit: AuditRow): Promise<TeamRow | undefined>;
  deleteTeam(id: string, audit: AuditRow): Promise<boolean>;

  createUser(user: UserRow, audit: AuditRow): Promise<void>;
  getUser(id: string): Promise<UserRow | undefined>;
  listUsers(): Promise<UserRow[]>;
  updateUser(id: string, patch: Partial<Omit<UserRow, 'id' | 'createdAt'>>, audit: AuditRow): Promise<UserRow | undefined>;
  deleteUser(id: string, audit: AuditRow): Promise<boolean>;
  /** The user of an identity at a provider (single sign-on, JWT), if it signed in before. */
  findExternalUser(issuer: string, subject: string): Promise<UserRow | undefined>;

  createKey(key: NewKey, audit: AuditRow): Promise<KeyRow>;
  getKey(id: string): Promise<KeyRow | undefined>;
  listKeys(): Promise<KeyRow[]>;
  updateKey(id: string, patch: Partial<KeySettings>, audit: AuditRow): Promise<KeyRow | undefined>;
  /** Sets revokedAt (first revocation wins); undefined when the key does not exist. */
  revokeKey(id: string, at: number, audit: AuditRow): Promise<KeyRow | undefined>;

  /** Bumped by every change to teams, users or keys: other instances poll it to refresh their key cache. */
  revision(): Promise<number>;

  /**
   * Writes records and their daily rollups in one transaction; with `mark`, the journal's watermark
   * too (records of that journal up to `mark.seq` are written: a replay skips them).
   */
  insertUsage(records: readonly UsageRecord[], mark?: JournalMark): Promise<void>;
  /** Highest sequence number of a usage journal written to the store (0 when none). */
  journalMark(journalId: string): Promise<number>;
  /** Drops a journal's watermark once its file is gone. */
  forgetJournal(journalId: string): Promise<void>;
  insertPromptLogs(rows: readonly PromptLogRow[]): Promise<void>;
  /** Deletes prompt logs whose retention ended before `now`; returns how many. */
  purgePromptLogs(now: number): Promise<number>;
  listPromptLogs(keyId: string, limit: number): Promise<PromptLogRow[]>;
  countUsage(): Promise<number>;
  /** Day-aligned ranges read the daily rollup table; others read raw records. */
  usage(query: UsageQuery): Promise<UsageRollupRow[]>;
  /** Cost per key since `since` (a UTC day start), from the daily rollups: spendBy('key', since). */
  spendByKey(since: number): Promise<Map<string, number>>;
  /** Cost per key, user or team since `since` (a UTC day start), from the daily rollups. */
  spendBy(group: 'key' | 'user' | 'team', since: number): Promise<Map<string, number>>;
  /** Raw usage records in [from, to), oldest first, `limit` at a time (for `relais plan --from-usage`). */
  listUsage(query: UsageListQuery): Promise<UsageRecord[]>;
  /** listUsage for export: with `prompts`, each record with its prompt log when it has one. */
  exportUsage(query: UsageListQuery, prompts: boolean): Promise<UsageExportRow[]>;

  /** PostgreSQL: creates the missing day partitions of raw usage for [from, to) (no-op on SQLite). */
  ensureUsagePartitions(from: number, to: number): Promise<void>;
  /** PostgreSQL: the day partitions of raw usage, oldest first ([] on SQLite). */
  usagePartitions(): Promise<{ name: string; from: number; to: number }[]>;
  /** Runs the retention purge unless another instance sharing the database is running it. */
  withPurgeLock<T>(fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
  /** The earliest raw record time in [from, before), undefined when none. */
  firstUsageFrom(from: number, before: number): Promise<number | undefined>;
  /** Rebuilds the rollups of one UTC day from its raw records when they count fewer; returns tables rebuilt. */
  completeUsageRollups(day: number): Promise<number>;
  /** One bounded purge step of raw records older than `before` (a day partition, or at most `limit` rows). */
  purgeUsageStep(before: number, limit: number): Promise<UsagePurgeStep>;
  /** Deletes at most `limit` prompt logs older than `before` or expired at `now`; returns how many. */
  purgePromptLogStep(before: number, now: number, limit: number): Promise<number>;

  /** Usage over time and/or by dimension (the console's activity views). */
  activity(query: ActivityQuery): Promise<ActivityRow[]>;
  /** Prompt logs matching the query, newest first. */
  searchPromptLogs(query: PromptLogQuery): Promise<PromptLogRow[]>;

  createSession(row: SessionRow): Promise<void>;
  getSession(id: string): Promise<SessionRow | undefined>;
  /** Sessions not expired at `now`. */
  listSessions(now: number): Promise<SessionRow[]>;
  deleteSession(id: string): Promise<boolean>;
  /** Deletes sessions expired before `now`; returns how many. */
  purgeSessions(now: number): Promise<number>;
  /** Bumped by every session created or deleted: other instances poll it to refresh their session cache. */
  sessionRevision(): Promise<number>;

  /** Adds an alert unless its dedupe key exists; true when this call added it. */
  insertAlert(row: AlertRow): Promise<boolean>;
  /** Pending alerts due at `now`, oldest first. */
  dueAlerts(now: number, limit: number): Promise<AlertRow[]>;
  /** Takes a pending alert for one attempt (attempts must still be `attempts`); false when another instance took it. */
  claimAlert(id: number, attempts: number, retryAt: number): Promise<boolean>;
  /** Records the outcome of an attempt (and, for a failed one, when to try again). */
  finishAlert(id: number, outcome: AlertOutcome): Promise<void>;
  /** Newest first. */
  listAlerts(query: { from?: number | undefined; limit: number }): Promise<AlertRow[]>;

  appendAudit(row: AuditRow): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditRow[]>;

  close(): Promise<void>;
}
