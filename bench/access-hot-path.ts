// Cost of the access stage per request: authenticate (hash + map lookup), admit + settle with limits,
// with the in-memory limiter and with Redis; for a key alone and for a key whose user and team have
// limits too (three levels in one step). Usage: node --import tsx bench/access-hot-path.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccess } from '../src/access/create-access.js';
import { createKey, createTeam, createUser } from '../src/access/identity-ops.js';
import { openStore } from '../src/store/open-store.js';

const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
const store = await openStore({ data_dir: dir });
const models = [{ name: 'm', deployments: [{ backend: 'a', model: 'x' }], fallbacks: [], price: { input: 1, output: 2 } }];
const limits = { rpm: 1e9, tpm: 1e12, concurrency: 1e6, budget: 1e9 };
const { secret } = await createKey(store, { name: 'bench', ...limits }, 'bench');
const team = await createTeam(store, { name: 'bench-team', ...limits }, 'bench');
const user = await createUser(store, { name: 'bench-user', team_id: team.id, ...limits }, 'bench');
const { secret: levelsSecret } = await createKey(store, { name: 'bench-levels', user_id: user.id, ...limits }, 'bench');
const redisUrl = process.env.RELAIS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

for (const redis of [null, { url: redisUrl, prefix: `relais_bench_${process.pid}` }]) {
  const access = await createAccess({ config: { models, master_key: 'mk' }, store, redis });
  const n = redis ? 5_000 : 100_000;
  let t = performance.now();
  for (let i = 0; i < n; i++) access.authenticate({ authorization: `Bearer ${secret}` });
  const authUs = ((performance.now() - t) * 1000) / n;
  for (const [what, key] of [['key only', secret], ['key + user + team', levelsSecret]] as const) {
    const p = access.authenticate({ authorization: `Bearer ${key}` });
    t = performance.now();
    for (let i = 0; i < n; i++) {
      const ticket = await access.admit(p, { requestId: `${what}${i}`, model: 'm', endpoint: 'chat', promptTokens: 100, maxTokens: 100 });
      ticket.settle({ promptTokens: 100, completionTokens: 50, cachedTokens: 0, cost: 0.0002 });
    }
    const admitUs = ((performance.now() - t) * 1000) / n;
    console.log(`${redis ? 'redis ' : 'memory'} limiter, ${what}: authenticate ${authUs.toFixed(2)} µs, admit+settle ${admitUs.toFixed(1)} µs (sequential, rpm/tpm/concurrency/budget all set on each level, ${n} requests)`);
  }
  await access.close();
}
await store.close();
rmSync(dir, { recursive: true, force: true });
