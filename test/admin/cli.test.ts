// `relais keys` and `relais usage` as real processes: on the store directly, and through a gateway's admin API.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createAccess } from '../../src/access/create-access.js';
import { configSchema } from '../../src/config/schema.js';
import { adminRoutes } from '../../src/server/admin/routes.js';
import { Gateway } from '../../src/server/gateway.js';
import { openStore } from '../../src/store/open-store.js';
import { createLogger } from '../../src/telemetry/log.js';
import { createUsageWriter } from '../../src/usage/batched-writer.js';
import { runCli } from '../support/gateway-process.js';
import { useTempConfig } from '../support/temp-config.js';

describe('relais keys / usage CLI', () => {
  let dir: string;
  let file: string;
  useTempConfig('relais-cli-', (d, f) => {
    dir = d;
    file = f;
  });

  it('creates, lists, updates and revokes keys on the store, and reports bad input by field', async () => {
    const created = await runCli(['keys', 'create', '--config', file, '--name', 'ada', '--models', 'llama-*,qwen', '--budget', '10', '--period', 'daily', '--rpm', '60', '--zones', 'local,eu', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { id: string; key: string; zones: string[]; rpm: number; budget_period: string };
    assert.match(key.key, /^rl-/);
    assert.deepEqual(key.zones, ['local', 'eu']);
    assert.equal(key.budget_period, 'daily');
    const bad = await runCli(['keys', 'update', key.id, '--config', file, '--rpm', 'lots']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /rpm: expected number, got string/);
    const revoked = await runCli(['keys', 'revoke', key.id, '--config', file]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const list = await runCli(['keys', 'list', '--config', file]);
    assert.match(list.stdout, new RegExp(`${key.id}\\s+ada\\s+rl-\\S+\\s+revoked`));
  });

  it('works against a running gateway with --url and --admin-key', async () => {
    const config = configSchema.parse({ master_key: 'sk-cli-master', log_level: 'error', data_dir: join(dir, 'gw') });
    const store = await openStore(config);
    const access = await createAccess({ config, store, redis: null });
    const usage = createUsageWriter(store);
    const gateway = await Gateway.create(config, { log: createLogger('error'), access, usage, extraRoutes: adminRoutes({ store, access, usage, maxBodyBytes: 1 << 20 }) });
    const { port } = await gateway.listen('127.0.0.1', 0);
    try {
      const url = `http://127.0.0.1:${port}`;
      const made = await runCli(['keys', 'create', '--url', url, '--admin-key', 'sk-cli-master', '--name', 'remote', '--concurrency', '3', '--json']);
      assert.equal(made.code, 0, made.stderr);
      const k = JSON.parse(made.stdout) as { id: string; concurrency: number };
      assert.equal(k.concurrency, 3);
      assert.equal((await store.getKey(k.id))?.name, 'remote');
      const denied = await runCli(['keys', 'list', '--url', url, '--admin-key', 'wrong']);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /401/);
      const csv = await runCli(['usage', '--by', 'key', '--csv', '--url', url, '--admin-key', 'sk-cli-master']);
      assert.equal(csv.code, 0, csv.stderr);
      assert.match(csv.stdout, /^group,requests,/);
    } finally {
      await gateway.close(500);
      await store.close();
    }
  });
});
