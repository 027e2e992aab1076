// Alerts and their webhook deliveries (migration 41): insert once by dedupe key, claim, finish, list.
import type { SqlDb, SqlRow } from './sql-db.js';
import type { AlertOutcome, AlertRow } from './types.js';

const n = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0));
const nOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : n(v));

export function alertFromRow(r: SqlRow): AlertRow {
  return {
    id: n(r.id),
    dedupe: String(r.dedupe),
    time: n(r.time),
    kind: String(r.kind) as AlertRow['kind'],
    level: String(r.level) as AlertRow['level'],
    subjectId: String(r.subject_id),
    threshold: nOrNull(r.threshold),
    periodStart: nOrNull(r.period_start),
    url: String(r.url),
    payload: String(r.payload),
    status: String(r.status) as AlertRow['status'],
    attempts: n(r.attempts),
    nextAttemptAt: n(r.next_attempt_at),
    deliveredAt: nOrNull(r.delivered_at),
    lastError: r.last_error === null || r.last_error === undefined ? null : String(r.last_error),
  };
}

export async function insertAlert(db: SqlDb, a: AlertRow): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO alerts (dedupe, time, kind, level, subject_id, threshold, period_start, url, payload, status, attempts, next_attempt_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe) DO NOTHING RETURNING id`,
    [a.dedupe, a.time, a.kind, a.level, a.subjectId, a.threshold, a.periodStart, a.url, a.payload, a.status, a.attempts, a.nextAttemptAt],
  );
  return rows.length > 0;
}

export async function dueAlerts(db: SqlDb, now: number, limit: number): Promise<AlertRow[]> {
  return (await db.query("SELECT * FROM alerts WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?", [now, limit])).map(alertFromRow);
}

export async function claimAlert(db: SqlDb, id: number, attempts: number, retryAt: number): Promise<boolean> {
  const rows = await db.query(
    "UPDATE alerts SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ? AND attempts = ? AND status = 'pending' RETURNING id",
    [retryAt, id, attempts],
  );
  return rows.length > 0;
}

export async function finishAlert(db: SqlDb, id: number, o: AlertOutcome): Promise<void> {
  await db.query(
    'UPDATE alerts SET status = ?, delivered_at = ?, last_error = ?, next_attempt_at = COALESCE(?, next_attempt_at) WHERE id = ?',
    [o.status, o.deliveredAt ?? null, o.lastError ?? null, o.nextAttemptAt ?? null, id],
  );
}

export async function listAlerts(db: SqlDb, q: { from?: number | undefined; limit: number }): Promise<AlertRow[]> {
  return (await db.query('SELECT * FROM alerts WHERE time >= ? ORDER BY id DESC LIMIT ?', [q.from ?? 0, q.limit])).map(alertFromRow);
}
