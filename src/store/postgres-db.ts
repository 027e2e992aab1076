// PostgreSQL through a pg pool; `?` placeholders become $n, statements are named (prepared once per connection).
import pg from 'pg';
import { createHash } from 'node:crypto';
import type { SqlDb, SqlRow, SqlStatement, SqlValue } from './sql-db.js';

export interface PostgresOptions {
  readonly url: string;
  /** Schema for every table (created when missing); tests use one per file. */
  readonly schema?: string | undefined;
  readonly poolSize?: number | undefined;
  readonly connectTimeoutMs?: number | undefined;
  /** Where a lost idle connection is reported (operators see why a query had to reconnect). */
  readonly warn?: ((message: string) => void) | undefined;
}

interface Rewritten {
  readonly text: string;
  readonly name: string;
}

const rewrites = new Map<string, Rewritten>();

function rewrite(sql: string): Rewritten {
  let r = rewrites.get(sql);
  if (!r) {
    let n = 0;
    const text = sql.replace(/\?/g, () => `$${++n}`);
    r = { text, name: `r_${createHash('sha1').update(text).digest('hex').slice(0, 16)}` };
    rewrites.set(sql, r);
  }
  return r;
}

function isDdl(sql: string): boolean {
  return /^\s*(CREATE|ALTER|DROP|DO|SET|SELECT pg_advisory|SELECT pg_try_advisory)/i.test(sql);
}

function config(text: string, values: readonly SqlValue[]): pg.QueryConfig {
  const r = rewrite(text);
  // DDL is not worth preparing; everything else is prepared once per connection.
  return isDdl(text) ? { text: r.text, values: [...values] } : { name: r.name, text: r.text, values: [...values] };
}

export async function openPostgresDb(options: PostgresOptions): Promise<SqlDb> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid PostgreSQL schema name '${schema}'`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    // A database out of reach fails a query within seconds instead of queueing it for ever.
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    keepAlive: true,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client's lost connection (server restart, terminated backend) must not crash the
  // process: the pool drops that client and the next query connects again. Logged at most every 10 s.
  let lastWarn = 0;
  pool.on('error', (err: Error) => {
    if (!options.warn || Date.now() - lastWarn < 10_000) return;
    lastWarn = Date.now();
    options.warn(`relais store: lost a PostgreSQL connection (${err.message}); the next query reconnects`);
  });
  if (schema) {
    // IF NOT EXISTS still races between instances starting together: a duplicate means someone else made it.
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((err: unknown) => {
      const code = (err as { code?: string }).code;
      if (code !== '23505' && code !== '42P06') throw err;
    });
  }

  async function tx(statements: readonly SqlStatement[]): Promise<SqlRow[][]> {
    const client = await pool.connect();
    // A checked-out client has no pool listener: its connection dying between two statements would
    // be an unhandled 'error' event. Keep the error, fail the transaction, destroy the client.
    let lost: Error | undefined;
    const onError = (err: Error): void => {
      lost = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out: SqlRow[][] = [];
      for (const s of statements) out.push((await client.query(config(s.sql, s.params))).rows as SqlRow[]);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      if (!lost) {
        await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
          lost = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
        });
      }
      throw err;
    } finally {
      client.off('error', onError);
      // Releasing with an error removes the client from the pool instead of reusing a dead connection.
      client.release(lost);
    }
  }

  // The lock lives on one checked-out connection for the whole run: if that connection dies, the
  // server releases the lock and another instance may take over.
  async function exclusive<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const client = await pool.connect();
    let lost: Error | undefined;
    const onError = (err: Error): void => {
      lost = err;
    };
    client.on('error', onError);
    const key = "hashtext($1 || ':' || current_schema())";
    try {
      const [row] = (await client.query(`SELECT pg_try_advisory_lock(${key}) AS ok`, [name])).rows as { ok: boolean }[];
      if (row?.ok !== true) return { ran: false };
      try {
        return { ran: true, value: await fn() };
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${key})`, [name]).catch((err: unknown) => {
          lost = err instanceof Error ? err : new Error(String(err));
        });
      }
    } finally {
      client.off('error', onError);
      client.release(lost);
    }
  }

  return {
    kind: 'postgres',
    exclusive,
    query: async (sql, params = []) => (await pool.query(config(sql, params))).rows as SqlRow[],
    tx,
    close: () => pool.end(),
  };
}
