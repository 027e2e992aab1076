// SQLite through better-sqlite3: WAL, cached prepared statements, synchronous calls behind the async SqlDb.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SqlDb, SqlRow, SqlStatement, SqlValue } from './sql-db.js';

export function openSqliteDb(path: string): SqlDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // WAL makes NORMAL durable against application crashes; only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const cache = new Map<string, Database.Statement>();

  function prepared(sql: string): Database.Statement {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  }

  function run(sql: string, params: readonly SqlValue[]): SqlRow[] {
    const stmt = prepared(sql);
    if (stmt.reader) return stmt.all(...params) as SqlRow[];
    stmt.run(...params);
    return [];
  }

  // One SQLite file serves one gateway process: a lock in memory is enough.
  const held = new Set<string>();
  const transaction = db.transaction((statements: readonly SqlStatement[]) => statements.map((s) => run(s.sql, s.params)));

  return {
    kind: 'sqlite',
    query: (sql, params = []) => {
      try {
        return Promise.resolve(run(sql, params));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    tx: (statements) => {
      try {
        return Promise.resolve(transaction.immediate(statements));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
    exclusive: async (name, fn) => {
      if (held.has(name)) return { ran: false };
      held.add(name);
      try {
        return { ran: true, value: await fn() };
      } finally {
        held.delete(name);
      }
    },
    close: () => {
      cache.clear();
      db.close();
      return Promise.resolve();
    },
  };
}
