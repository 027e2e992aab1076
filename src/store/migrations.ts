// Versioned schema migrations, applied in order at start; each runs once and is recorded.
import type { SqlDb } from './sql-db.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  /** Statements; `{{serial}}` becomes the dialect's auto-increment primary key. */
  readonly statements: readonly string[];
  /** Statements for PostgreSQL only, run after `statements` (partitioning has no SQLite form). */
  readonly postgres?: readonly string[];
  /** Statements for SQLite only, run after `statements`. */
  readonly sqlite?: readonly string[];
}

const usageTableColumns = `request_id TEXT NOT NULL, time BIGINT NOT NULL, key_id TEXT, user_id TEXT, team_id TEXT,
  model TEXT NOT NULL, endpoint TEXT NOT NULL, backend TEXT, status INTEGER NOT NULL, outcome TEXT NOT NULL,
  prompt_tokens BIGINT, completion_tokens BIGINT, cached_tokens BIGINT, tokens_estimated INTEGER NOT NULL,
  cost DOUBLE PRECISION, queue_ms DOUBLE PRECISION NOT NULL, ttft_ms DOUBLE PRECISION,
  total_ms DOUBLE PRECISION NOT NULL, stream INTEGER NOT NULL, finish_reason TEXT, error TEXT`;

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'identities, usage, prompt logs, audit',
    statements: [
      `CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)`,
      `INSERT INTO meta (key, value) VALUES ('revision', 1)`,
      `CREATE TABLE teams (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}')`,
      `CREATE TABLE users (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT, team_id TEXT REFERENCES teams(id),
        created_at BIGINT NOT NULL, metadata TEXT NOT NULL DEFAULT '{}')`,
      `CREATE TABLE api_keys (
        id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, name TEXT NOT NULL,
        user_id TEXT REFERENCES users(id), team_id TEXT REFERENCES teams(id),
        models TEXT NOT NULL, expires_at BIGINT, rpm BIGINT, tpm BIGINT, concurrency BIGINT,
        budget DOUBLE PRECISION, budget_period TEXT NOT NULL, priority TEXT NOT NULL, zones TEXT NOT NULL,
        logging TEXT NOT NULL, log_retention_days BIGINT NOT NULL, admin INTEGER NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}', created_at BIGINT NOT NULL, revoked_at BIGINT)`,
      `CREATE TABLE usage (
        request_id TEXT NOT NULL, time BIGINT NOT NULL, key_id TEXT, user_id TEXT, team_id TEXT,
        model TEXT NOT NULL, endpoint TEXT NOT NULL, backend TEXT, status INTEGER NOT NULL, outcome TEXT NOT NULL,
        prompt_tokens BIGINT, completion_tokens BIGINT, cached_tokens BIGINT, tokens_estimated INTEGER NOT NULL,
        cost DOUBLE PRECISION, queue_ms DOUBLE PRECISION NOT NULL, ttft_ms DOUBLE PRECISION,
        total_ms DOUBLE PRECISION NOT NULL, stream INTEGER NOT NULL, finish_reason TEXT, error TEXT)`,
      `CREATE INDEX usage_time ON usage (time)`,
      `CREATE INDEX usage_key_time ON usage (key_id, time)`,
      // One row per day × key × user × team × model × backend ('' for none): activity views read this.
      `CREATE TABLE usage_daily (
        day BIGINT NOT NULL, key_id TEXT NOT NULL, user_id TEXT NOT NULL, team_id TEXT NOT NULL,
        model TEXT NOT NULL, backend TEXT NOT NULL, requests BIGINT NOT NULL, errors BIGINT NOT NULL,
        prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,
        cost DOUBLE PRECISION NOT NULL, total_ms DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (day, key_id, user_id, team_id, model, backend))`,
      `CREATE INDEX usage_daily_key ON usage_daily (key_id, day)`,
      `CREATE TABLE prompt_logs (
        request_id TEXT NOT NULL, time BIGINT NOT NULL, key_id TEXT, model TEXT NOT NULL,
        request TEXT NOT NULL, response TEXT NOT NULL, expires_at BIGINT NOT NULL)`,
      `CREATE INDEX prompt_logs_expiry ON prompt_logs (expires_at)`,
      `CREATE INDEX prompt_logs_key ON prompt_logs (key_id, time)`,
      `CREATE TABLE audit (
        id {{serial}}, time BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
        target_type TEXT NOT NULL, target_id TEXT, detail TEXT NOT NULL)`,
      `CREATE INDEX audit_time ON audit (time)`,
    ],
  },
  {
    version: 10,
    name: 'usage journal watermarks',
    statements: [
      // Per local usage journal, the highest sequence number written: replays after a crash skip up to it.
      `CREATE TABLE usage_journal (journal_id TEXT PRIMARY KEY, seq BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
    ],
  },
  {
    version: 20,
    name: 'stored responses (Responses API)',
    statements: [
      `CREATE TABLE stored_responses (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, model TEXT NOT NULL, created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL, response TEXT NOT NULL, input_items TEXT NOT NULL, context TEXT NOT NULL)`,
      `CREATE INDEX stored_responses_expiry ON stored_responses (expires_at)`,
    ],
  },
  {
    version: 21,
    name: 'per-key switch for stored responses',
    statements: [`ALTER TABLE api_keys ADD COLUMN store_responses INTEGER NOT NULL DEFAULT 1`],
  },
  {
    version: 30,
    name: 'console sessions',
    statements: [
      // id is the sha256 of the cookie's token; the token itself is never stored.
      `CREATE TABLE console_sessions (
        id TEXT PRIMARY KEY, subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, method TEXT NOT NULL,
        created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)`,
      `CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)`,
      `INSERT INTO meta (key, value) VALUES ('sessions', 1)`,
    ],
  },
  {
    version: 31,
    name: 'hourly usage rollups',
    statements: [
      `CREATE TABLE usage_hourly (
        hour BIGINT NOT NULL, key_id TEXT NOT NULL, user_id TEXT NOT NULL, team_id TEXT NOT NULL,
        model TEXT NOT NULL, backend TEXT NOT NULL, requests BIGINT NOT NULL, errors BIGINT NOT NULL,
        prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,
        cost DOUBLE PRECISION NOT NULL, total_ms DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (hour, key_id, user_id, team_id, model, backend))`,
      `CREATE INDEX usage_hourly_key ON usage_hourly (key_id, hour)`,
      // Records written before this version get their hourly rows now.
      `INSERT INTO usage_hourly
        SELECT (time / 3600000) * 3600000, COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), model,
          COALESCE(backend, ''), COUNT(*), SUM(CASE WHEN outcome <> 'completed' THEN 1 ELSE 0 END),
          COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cached_tokens), 0),
          COALESCE(SUM(cost), 0), SUM(total_ms)
        FROM usage GROUP BY 1, 2, 3, 4, 5, 6`,
    ],
  },
  {
    version: 32,
    name: 'hourly usage by model and backend; hourly lookups by user and team',
    statements: [
      // Hour buckets over weeks read this small table unless the view filters or splits by key, user or team.
      `CREATE TABLE usage_hourly_models (
        hour BIGINT NOT NULL, model TEXT NOT NULL, backend TEXT NOT NULL, requests BIGINT NOT NULL, errors BIGINT NOT NULL,
        prompt_tokens BIGINT NOT NULL, completion_tokens BIGINT NOT NULL, cached_tokens BIGINT NOT NULL,
        cost DOUBLE PRECISION NOT NULL, total_ms DOUBLE PRECISION NOT NULL, PRIMARY KEY (hour, model, backend))`,
      `INSERT INTO usage_hourly_models
        SELECT hour, model, backend, SUM(requests), SUM(errors), SUM(prompt_tokens), SUM(completion_tokens), SUM(cached_tokens),
          SUM(cost), SUM(total_ms)
        FROM usage_hourly GROUP BY 1, 2, 3`,
      `CREATE INDEX usage_hourly_user ON usage_hourly (user_id, hour)`,
      `CREATE INDEX usage_hourly_team ON usage_hourly (team_id, hour)`,
    ],
  },
  {
    version: 40,
    name: 'user and team limits, team key policy',
    statements: [
      `ALTER TABLE users ADD COLUMN rpm BIGINT`,
      `ALTER TABLE users ADD COLUMN tpm BIGINT`,
      `ALTER TABLE users ADD COLUMN concurrency BIGINT`,
      `ALTER TABLE users ADD COLUMN budget DOUBLE PRECISION`,
      `ALTER TABLE users ADD COLUMN budget_period TEXT NOT NULL DEFAULT 'monthly'`,
      `ALTER TABLE teams ADD COLUMN rpm BIGINT`,
      `ALTER TABLE teams ADD COLUMN tpm BIGINT`,
      `ALTER TABLE teams ADD COLUMN concurrency BIGINT`,
      `ALTER TABLE teams ADD COLUMN budget DOUBLE PRECISION`,
      `ALTER TABLE teams ADD COLUMN budget_period TEXT NOT NULL DEFAULT 'monthly'`,
      `ALTER TABLE teams ADD COLUMN key_policy TEXT`,
    ],
  },
  {
    version: 41,
    name: 'alerts (budget thresholds, key expiry) and their webhook deliveries',
    statements: [
      // One row per alert and webhook; the unique dedupe key makes each alert happen once, across instances and restarts.
      `CREATE TABLE alerts (
        id {{serial}}, dedupe TEXT NOT NULL UNIQUE, time BIGINT NOT NULL, kind TEXT NOT NULL, level TEXT NOT NULL,
        subject_id TEXT NOT NULL, threshold DOUBLE PRECISION, period_start BIGINT, url TEXT NOT NULL, payload TEXT NOT NULL,
        status TEXT NOT NULL, attempts INTEGER NOT NULL, next_attempt_at BIGINT NOT NULL, delivered_at BIGINT, last_error TEXT)`,
      `CREATE INDEX alerts_due ON alerts (status, next_attempt_at)`,
      `CREATE INDEX alerts_time ON alerts (time)`,
    ],
  },
  {
    version: 45,
    name: 'external identities of users (single sign-on, JWT)',
    statements: [
      `ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0`,
      // 'admin' (made through the admin API or CLI), 'oidc' (single sign-on) or 'jwt' (machine identity).
      `ALTER TABLE users ADD COLUMN source TEXT NOT NULL DEFAULT 'admin'`,
      `ALTER TABLE users ADD COLUMN external_issuer TEXT`,
      `ALTER TABLE users ADD COLUMN external_subject TEXT`,
      // One user per identity at its provider; NULLs (users made by an admin) do not collide.
      `CREATE UNIQUE INDEX users_external ON users (external_issuer, external_subject)`,
    ],
  },
  {
    version: 50,
    name: 'usage retention and export: keyset indexes; PostgreSQL usage partitioned by day',
    statements: [
      // Prompt logs are purged by age and joined to their record on export.
      `CREATE INDEX prompt_logs_time ON prompt_logs (time)`,
      `CREATE INDEX prompt_logs_request ON prompt_logs (request_id)`,
    ],
    sqlite: [
      // (time, request_id) is the export's keyset order; it serves time ranges as the old index did.
      `DROP INDEX usage_time`,
      `CREATE INDEX usage_time ON usage (time, request_id)`,
    ],
    postgres: [
      // The rows move once into one partition per UTC day; the purge then drops whole days.
      `ALTER TABLE usage RENAME TO usage_unpartitioned`,
      `ALTER INDEX usage_time RENAME TO usage_unpartitioned_time`,
      `ALTER INDEX usage_key_time RENAME TO usage_unpartitioned_key_time`,
      `CREATE TABLE usage (${usageTableColumns}) PARTITION BY RANGE (time)`,
      `CREATE INDEX usage_time ON usage (time, request_id)`,
      `CREATE INDEX usage_key_time ON usage (key_id, time)`,
      `DO $$
      DECLARE d BIGINT;
      BEGIN
        FOR d IN SELECT DISTINCT (time / 86400000) * 86400000 FROM usage_unpartitioned LOOP
          EXECUTE format('CREATE TABLE %I PARTITION OF usage FOR VALUES FROM (%s) TO (%s)',
            'usage_p' || to_char(to_timestamp(d / 1000) AT TIME ZONE 'UTC', 'YYYYMMDD'), d, d + 86400000);
        END LOOP;
      END $$`,
      `INSERT INTO usage SELECT * FROM usage_unpartitioned`,
      `DROP TABLE usage_unpartitioned`,
    ],
  },
];

function dialect(db: SqlDb, sql: string): string {
  return sql.replace('{{serial}}', db.kind === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY');
}

/** Applies pending migrations; `lock` (PostgreSQL advisory lock) serialises instances starting together. */
export async function migrate(db: SqlDb, lock: readonly string[] = [], list: readonly Migration[] = migrations): Promise<number[]> {
  await db.tx([
    ...lock.map((sql) => ({ sql, params: [] })),
    { sql: 'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)', params: [] },
  ]);
  const done = new Set((await db.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
  const applied: number[] = [];
  for (const m of list) {
    if (done.has(m.version)) continue;
    try {
      // The version row goes first: an instance that raced us fails on its primary key and rolls back.
      await db.tx([
        ...lock.map((sql) => ({ sql, params: [] })),
        { sql: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', params: [m.version, m.name, Date.now()] },
        ...[...m.statements, ...((db.kind === 'postgres' ? m.postgres : m.sqlite) ?? [])].map((s) => ({ sql: dialect(db, s), params: [] })),
      ]);
      applied.push(m.version);
    } catch (err) {
      const rows = await db.query('SELECT version FROM schema_migrations WHERE version = ?', [m.version]);
      if (rows.length === 0) throw err;
    }
  }
  return applied;
}
