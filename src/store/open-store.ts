// Opens the configured store (SQLite file in data_dir by default) and applies migrations.
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { migrate } from './migrations.js';
import { openPostgresDb } from './postgres-db.js';
import { openSqliteDb } from './sqlite-db.js';
import { SqlStore } from './sql-store.js';
import type { Store } from './types.js';

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly path?: string | undefined }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema?: string | undefined; readonly pool_size?: number | undefined };

export async function openStore(config: Pick<Config, 'data_dir'> & { store?: StoreConfig | undefined }, warn?: (message: string) => void): Promise<Store> {
  const sc: StoreConfig = config.store ?? { kind: 'sqlite' };
  if (sc.kind === 'postgres') {
    const db = await openPostgresDb({ url: sc.url, schema: sc.schema, poolSize: sc.pool_size, warn });
    try {
      // One advisory lock per schema: instances starting together migrate one after another.
      await migrate(db, ["SELECT pg_advisory_xact_lock(hashtext('relais-migrate:' || current_schema()))"]);
    } catch (err) {
      await db.close();
      throw err;
    }
    return new SqlStore(db);
  }
  const path = sc.path ?? join(config.data_dir, 'relais.db');
  const db = openSqliteDb(path);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return new SqlStore(db, { sqlitePath: path });
}
