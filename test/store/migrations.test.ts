// Migrations run once, even when several instances start together on one PostgreSQL schema.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openStore } from '../../src/store/open-store.js';
import { migrations } from '../../src/store/migrations.js';
import { POSTGRES_URL, dropSchema, uniqueName } from './services.js';

it('applies each migration once when three instances start at the same time', async () => {
  const schema = uniqueName('relais_mig');
  try {
    const stores = await Promise.all([1, 2, 3].map(() => openStore({ data_dir: '.', store: { kind: 'postgres', url: POSTGRES_URL, schema } })));
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    const rows = (await client.query(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).rows as { version: number }[];
    await client.end();
    assert.deepEqual(rows.map((r) => r.version), migrations.map((m) => m.version));
    assert.equal(await stores[0]?.revision(), 1);
    await Promise.all(stores.map((s) => s.close()));
  } finally {
    await dropSchema(schema);
  }
});
