// SQL rows and queries of the console: sessions, prompt-log search.
import type { SqlRow, SqlStatement, SqlValue } from './sql-db.js';
import { num } from './rows.js';
import type { PromptLogQuery, SessionRow } from './types.js';

export function sessionFromRow(r: SqlRow): SessionRow {
  const kind = String(r.subject_kind);
  return {
    id: String(r.id),
    subjectKind: kind === 'master' || kind === 'user' ? kind : 'key',
    subjectId: String(r.subject_id),
    method: String(r.method),
    createdAt: num(r.created_at),
    expiresAt: num(r.expires_at),
  };
}

/** LIKE pattern matching `text` literally anywhere (\ escapes the wildcards). */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function promptLogSearch(q: PromptLogQuery): SqlStatement {
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (q.keyId !== undefined) {
    where.push('key_id = ?');
    params.push(q.keyId);
  }
  if (q.model !== undefined) {
    where.push('model = ?');
    params.push(q.model);
  }
  if (q.from !== undefined) {
    where.push('time >= ?');
    params.push(q.from);
  }
  if (q.to !== undefined) {
    where.push('time < ?');
    params.push(q.to);
  }
  if (q.text !== undefined && q.text !== '') {
    const p = containsPattern(q.text);
    where.push("(LOWER(request) LIKE ? ESCAPE '\\' OR LOWER(response) LIKE ? ESCAPE '\\')");
    params.push(p, p);
  }
  params.push(q.limit);
  return { sql: `SELECT * FROM prompt_logs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC LIMIT ?`, params };
}
