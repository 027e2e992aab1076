// `relais teams` and `relais users` (with `users keys`) as real processes: on the store, and through a gateway.
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

describe('relais users / teams CLI', () => {
  let dir: string;
  let file: string;
  useTempConfig('relais-idcli-', (d, f) => {
    dir = d;
    file = f;
  });

  it('sets team and user limits and a key policy, and manages a user’s keys within it', async () => {
    const team = await runCli(['teams', 'create', '--config', file, '--name', 'lab', '--budget', '100', '--period', 'monthly', '--rpm', '600',
      '--policy-models', 'llama-*', '--policy-max-budget', '10', '--policy-period', 'daily', '--policy-max-keys', '1', '--policy-max-expiry-days', '90', '--json']);
    assert.equal(team.code, 0, team.stderr);
    const t = JSON.parse(team.stdout) as { id: string; budget: number; rpm: number; key_policy: Record<string, unknown> };
    assert.equal(t.budget, 100);
    assert.equal(t.rpm, 600);
    assert.deepEqual(t.key_policy, { models: ['llama-*'], zones: ['any'], max_budget: 10, budget_period: 'daily', max_keys_per_user: 1, max_expiry_days: 90 });

    const user = await runCli(['users', 'create', '--config', file, '--name', 'ada', '--team', t.id, '--budget', '20', '--concurrency', '4', '--json']);
    assert.equal(user.code, 0, user.stderr);
    const u = JSON.parse(user.stdout) as { id: string; budget: number; concurrency: number; team_id: string };
    assert.equal(u.team_id, t.id);
    assert.equal(u.concurrency, 4);

    // A partial update keeps the other limits; 'none' removes one.
    const upd = await runCli(['users', 'update', u.id, '--config', file, '--concurrency', 'none', '--rpm', '30', '--json']);
    assert.equal(upd.code, 0, upd.stderr);
    const after = JSON.parse(upd.stdout) as { budget: number; concurrency: number | null; rpm: number };
    assert.deepEqual([after.budget, after.concurrency, after.rpm], [20, null, 30]);

    const bad = await runCli(['users', 'update', u.id, '--config', file, '--rpm', 'lots']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /rpm: expected number, got string/);
    const badTeam = await runCli(['teams', 'update', t.id, '--config', file, '--budget=-1']);
    assert.equal(badTeam.code, 1);
    assert.match(badTeam.stderr, /budget: must be 0 or more/);

    const key = await runCli(['users', 'keys', u.id, 'create', '--config', file, '--name', 'laptop', '--models', 'llama-8b', '--json']);
    assert.equal(key.code, 0, key.stderr);
    const k = JSON.parse(key.stdout) as { id: string; key: string; budget: number; models: string[] };
    assert.match(k.key, /^rl-/);
    assert.equal(k.budget, 10);
    assert.deepEqual(k.models, ['llama-8b']);
    const second = await runCli(['users', 'keys', u.id, 'create', '--config', file, '--name', 'second']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /at most 1 active keys/);
    const listed = await runCli(['users', 'keys', u.id, '--config', file]);
    assert.match(listed.stdout, new RegExp(`${k.id}\\s+laptop\\s+rl-\\S+\\s+active`));
    const revoked = await runCli(['users', 'keys', u.id, 'revoke', k.id, '--config', file]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /Revoked key/);
    const teams = await runCli(['teams', 'list', '--config', file]);
    assert.match(teams.stdout, new RegExp(`${t.id}\\s+lab\\s+yes\\s+100/monthly\\s+600`));
    assert.equal((await runCli(['users', 'keys', 'user_nobody', '--config', file])).code, 1);
    assert.equal((await runCli(['teams', 'frobnicate', '--config', file])).code, 2);
  });

  it('works against a running gateway with --url and --admin-key', async () => {
    const config = configSchema.parse({ master_key: 'sk-idcli-master', log_level: 'error', data_dir: join(dir, 'gw') });
    const store = await openStore(config);
    const access = await createAccess({ config, store, redis: null });
    const usage = createUsageWriter(store);
    const gateway = await Gateway.create(config, { log: createLogger('error'), access, usage, extraRoutes: adminRoutes({ store, access, usage, maxBodyBytes: 1 << 20 }) });
    const { port } = await gateway.listen('127.0.0.1', 0);
    try {
      const remote = ['--url', `http://127.0.0.1:${port}`, '--admin-key', 'sk-idcli-master'];
      const team = await runCli(['teams', 'create', ...remote, '--name', 'remote', '--policy-max-keys', '2', '--json']);
      assert.equal(team.code, 0, team.stderr);
      const t = JSON.parse(team.stdout) as { id: string };
      const user = await runCli(['users', 'create', ...remote, '--name', 'bob', '--team', t.id, '--tpm', '5000', '--json']);
      assert.equal(user.code, 0, user.stderr);
      const u = JSON.parse(user.stdout) as { id: string; tpm: number };
      assert.equal((await store.getUser(u.id))?.limits?.tpm, 5000);
      const key = await runCli(['users', 'keys', u.id, 'create', ...remote, '--name', 'k', '--json']);
      assert.equal(key.code, 0, key.stderr);
      assert.equal((JSON.parse(key.stdout) as { user_id: string }).user_id, u.id);
      const gone = await runCli(['teams', 'delete', t.id, ...remote]);
      assert.equal(gone.code, 0, gone.stderr);
      assert.equal((await store.getUser(u.id))?.teamId, null);
    } finally {
      await gateway.close(500);
      await store.close();
    }
  });
});
