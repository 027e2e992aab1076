// Real services for tests: a temporary SQLite file, a fresh PostgreSQL schema, a Redis key prefix.
// A missing service fails the test (never a skip): PostgreSQL and Redis run on dev and CI machines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';

export const POSTGRES_URL = process.env.RELAIS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.RELAIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export interface TestStore {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

export const sqliteTestStore: TestStore = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'relais-store-'));
    const store = await openStore({ data_dir: dir, store: { kind: 'sqlite', path: join(dir, 'relais.db') } });
    return {
      store,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export const postgresTestStore: TestStore = {
  name: 'postgres',
  async open() {
    const schema = uniqueName('relais_test');
    const store = await openStore({ data_dir: '.', store: { kind: 'postgres', url: POSTGRES_URL, schema } });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  },
};

export const testStores: readonly TestStore[] = [sqliteTestStore, postgresTestStore];

/** Runs one statement on a separate connection (the test's own view of the database). */
export async function adminQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Terminates the server processes of the connections coming from these local ports (a TCP proxy's): the server cuts them. */
export async function terminateBackends(clientPorts: readonly number[]): Promise<number> {
  if (clientPorts.length === 0) return 0;
  const rows = await adminQuery<{ ok: boolean }>(
    'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE client_port = ANY($1::int[]) AND pid <> pg_backend_pid()',
    [clientPorts],
  );
  return rows.filter((r) => r.ok).length;
}
