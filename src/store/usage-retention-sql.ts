// Retention of raw usage: day partitions (PostgreSQL), rollups checked against the raw rows before they
// go, and bounded purge steps (one partition dropped, or at most `limit` rows deleted, per call).
import { num } from './rows.js';
import type { SqlDb } from './sql-db.js';
import { DAY_MS, HOUR_MS } from './usage-sql.js';

/** usage_pYYYYMMDD: the UTC day a partition holds, as the migration names them. */
export function partitionName(day: number): string {
  return `usage_p${new Date(day).toISOString().slice(0, 10).replace(/-/g, '')}`;
}

export interface UsagePartition {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** The partitions of this schema's usage table, oldest first. */
export async function listPartitions(db: SqlDb): Promise<UsagePartition[]> {
  const rows = await db.query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
     JOIN pg_namespace n ON n.oid = p.relnamespace
     WHERE p.relname = 'usage' AND n.nspname = current_schema()`,
  );
  const out: UsagePartition[] = [];
  for (const r of rows) {
    // FOR VALUES FROM ('1764547200000') TO ('1764633600000')
    const m = /FROM \('?(-?\d+)'?\) TO \('?(-?\d+)'?\)/.exec(String(r.bound));
    if (m) out.push({ name: String(r.name), from: Number(m[1]), to: Number(m[2]) });
  }
  return out.sort((a, b) => a.from - b.from);
}

/**
 * Creates the day partitions of these days that are missing. The advisory lock serialises instances
 * (two concurrent CREATE … IF NOT EXISTS can still collide); `lockTimeoutMs` bounds the wait for the
 * parent table's lock when the caller can try again later.
 */
export async function ensurePartitions(db: SqlDb, days: readonly number[], lockTimeoutMs?: number): Promise<void> {
  if (days.length === 0) return;
  await db.tx([
    ...(lockTimeoutMs === undefined ? [] : [{ sql: `SET LOCAL lock_timeout = ${Math.floor(lockTimeoutMs)}`, params: [] }]),
    { sql: "SELECT pg_advisory_xact_lock(hashtext('relais-partitions:' || current_schema()))", params: [] },
    ...days.map((d) => ({
      sql: `CREATE TABLE IF NOT EXISTS ${partitionName(d)} PARTITION OF usage FOR VALUES FROM (${d}) TO (${d + DAY_MS})`,
      params: [],
    })),
  ]);
}

/** The earliest record time at or after `from`, undefined when none. */
export async function firstUsageFrom(db: SqlDb, from: number, before: number): Promise<number | undefined> {
  const [row] = await db.query('SELECT MIN(time) AS t FROM usage WHERE time >= ? AND time < ?', [from, before]);
  return row?.t === null || row?.t === undefined ? undefined : num(row.t);
}

const rollupSelect = (bucket: string, dims: string): string => `SELECT ${bucket}, ${dims}, COUNT(*), SUM(CASE WHEN outcome <> 'completed' THEN 1 ELSE 0 END),
  COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cost), 0), SUM(total_ms)
  FROM usage WHERE time >= ? AND time < ? GROUP BY 1, 2, 3, 4, 5, 6`;
const allDims = "COALESCE(key_id, ''), COALESCE(user_id, ''), COALESCE(team_id, ''), model, COALESCE(backend, '')";

const rollups = [
  { table: 'usage_daily', column: 'day', rebuild: rollupSelect(`(time / ${DAY_MS}) * ${DAY_MS}`, allDims) },
  { table: 'usage_hourly', column: 'hour', rebuild: rollupSelect(`(time / ${HOUR_MS}) * ${HOUR_MS}`, allDims) },
  {
    table: 'usage_hourly_models',
    column: 'hour',
    rebuild: `SELECT (time / ${HOUR_MS}) * ${HOUR_MS}, model, COALESCE(backend, ''), COUNT(*), SUM(CASE WHEN outcome <> 'completed' THEN 1 ELSE 0 END),
      COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0), COALESCE(SUM(cached_tokens), 0), COALESCE(SUM(cost), 0), SUM(total_ms)
      FROM usage WHERE time >= ? AND time < ? GROUP BY 1, 2, 3`,
  },
] as const;

/**
 * Makes the rollups of one UTC day cover its raw records before they are purged. Rollups are written
 * in the records' own transaction, so they normally do; a table counting fewer requests than the raw
 * rows (records loaded by hand, a bug) has that day rebuilt from them. Returns the tables rebuilt.
 */
export async function completeRollups(db: SqlDb, day: number): Promise<number> {
  const end = day + DAY_MS;
  const [raw] = await db.query('SELECT COUNT(*) AS n FROM usage WHERE time >= ? AND time < ?', [day, end]);
  const rawCount = num(raw?.n);
  let rebuilt = 0;
  for (const r of rollups) {
    const [row] = await db.query(`SELECT COALESCE(SUM(requests), 0) AS n FROM ${r.table} WHERE ${r.column} >= ? AND ${r.column} < ?`, [day, end]);
    if (num(row?.n) >= rawCount) continue;
    await db.tx([
      { sql: `DELETE FROM ${r.table} WHERE ${r.column} >= ? AND ${r.column} < ?`, params: [day, end] },
      { sql: `INSERT INTO ${r.table} ${r.rebuild}`, params: [day, end] },
    ]);
    rebuilt++;
  }
  return rebuilt;
}

export interface PurgeStep {
  readonly rows: number;
  readonly partitions: number;
}

/**
 * One bounded step of the purge of records older than `before`: on PostgreSQL the oldest day partition
 * wholly before it is dropped; otherwise at most `limit` rows are deleted. `{0, 0}` when nothing is left.
 */
export async function purgeUsageStep(db: SqlDb, before: number, limit: number, lockTimeoutMs: number): Promise<PurgeStep> {
  if (db.kind === 'postgres') {
    const old = (await listPartitions(db)).find((p) => p.to <= before);
    if (old) {
      const [row] = await db.query(`SELECT COUNT(*) AS n FROM ${old.name}`);
      // A bounded wait for the parent's lock: behind a long reader, try again at the next step or run.
      await db.tx([
        { sql: `SET LOCAL lock_timeout = ${Math.floor(lockTimeoutMs)}`, params: [] },
        { sql: `DROP TABLE IF EXISTS ${old.name}`, params: [] },
      ]);
      return { rows: num(row?.n), partitions: 1 };
    }
    // Rows before `before` in a partition that also holds later days (a cut-off that is not a day start).
    // A ctid may name rows of several partitions: each deleted row still matches time < before.
    const rows = await db.query(
      'DELETE FROM usage WHERE time < ? AND ctid = ANY(ARRAY(SELECT ctid FROM usage WHERE time < ? LIMIT ?)) RETURNING 1 AS n',
      [before, before, limit],
    );
    return { rows: rows.length, partitions: 0 };
  }
  const rows = await db.query('DELETE FROM usage WHERE rowid IN (SELECT rowid FROM usage WHERE time < ? ORDER BY time LIMIT ?) RETURNING 1 AS n', [before, limit]);
  return { rows: rows.length, partitions: 0 };
}

/** At most `limit` prompt logs older than `before` or past their own expiry at `now`; returns how many. */
export async function purgePromptLogStep(db: SqlDb, before: number, now: number, limit: number): Promise<number> {
  const rows = db.kind === 'postgres'
    ? await db.query(
      'DELETE FROM prompt_logs WHERE ctid = ANY(ARRAY(SELECT ctid FROM prompt_logs WHERE time < ? OR expires_at < ? LIMIT ?)) RETURNING 1 AS n',
      [before, now, limit],
    )
    : await db.query(
      'DELETE FROM prompt_logs WHERE rowid IN (SELECT rowid FROM prompt_logs WHERE time < ? OR expires_at < ? LIMIT ?) RETURNING 1 AS n',
      [before, now, limit],
    );
  return rows.length;
}
