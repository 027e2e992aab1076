// Team and user budgets under load: 300 concurrent requests from several keys of one team (then of one
// user) whose budget allows about 20 → the budget is overspent by at most one reservation, with SQLite
// in one gateway process and with PostgreSQL + Redis across three gateway processes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKey } from '../support/admin-keys.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { POSTGRES_URL, REDIS_URL, dropSchema, uniqueName } from '../store/services.js';

const MASTER = 'sk-level-master';
const admin = { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' };
// 1,000 credits per 1M tokens and max_tokens 1000: each request reserves (and costs) about 1 credit.
const MAX_TOKENS = 1000;

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const r = await fetch(url, { method: 'POST', headers: admin, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 201, JSON.stringify(json));
  return json;
}

interface LevelView { level: string; budget: number | null; usage: { cost: number; reserved: number } | null }

/** The level's counters as GET /v1/key shows them, once no request holds a reservation any more. */
async function settled(url: string, key: string, level: 'user' | 'team'): Promise<{ spent: number; remaining: unknown; budgetLevel: unknown }> {
  const t0 = Date.now();
  for (;;) {
    const r = await fetch(`${url}/v1/key`, { headers: { authorization: `Bearer ${key}` } });
    const data = ((await r.json()) as { data: { levels: LevelView[]; remaining: { budget: unknown; budget_level: unknown } } }).data;
    const l = data.levels.find((x) => x.level === level);
    assert.ok(l?.usage, `no ${level} level in GET /v1/key: ${JSON.stringify(data)}`);
    if (l.usage.reserved === 0) return { spent: l.usage.cost, remaining: data.remaining.budget, budgetLevel: data.remaining.budget_level };
    assert.ok(Date.now() - t0 < 20_000, `reservations still held: ${JSON.stringify(l)}`);
    await sleep(100);
  }
}

/**
 * 300 requests at once, round-robin over keys and gateways; counts statuses and the refusing level. A 503
 * (the limiter's Redis slower than its command timeout on a loaded machine: fail closed) is retried after
 * its Retry-After, as a client would; it admitted nothing, so the budget figures are unaffected.
 */
async function burst(gateways: readonly GatewayProcess[], keys: readonly string[], tag: string): Promise<{ admitted: number; refused: number; levels: Set<unknown>; other: string[]; retried: number }> {
  let admitted = 0;
  let refused = 0;
  let retried = 0;
  const levels = new Set<unknown>();
  const other: string[] = [];
  await Promise.all(Array.from({ length: 300 }, async (_, i) => {
    const g = gateways[i % gateways.length] as GatewayProcess;
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys[i % keys.length]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `${tag} ${i}` }] }),
      });
      const body = (await res.json()) as { error?: { code?: string; param?: string; message?: string } };
      if (res.status === 503 && attempt < 5 && /Rate limiter unavailable/.test(body.error?.message ?? '')) {
        retried++;
        await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
        continue;
      }
      if (res.status === 200) admitted++;
      else if (res.status === 402) {
        refused++;
        assert.equal(body.error?.code, 'budget_exceeded');
        levels.add(body.error?.param);
        levels.add(res.headers.get('x-relais-limit-level'));
      } else other.push(`${res.status} ${body.error?.message ?? ''}`);
      return;
    }
  }));
  return { admitted, refused, levels, other, retried };
}

function suite(name: string, instances: number, storeYaml: () => string, cleanup: () => Promise<void>): void {
  describe(name, () => {
    let engine: FakeEngine;
    let gateways: GatewayProcess[] = [];

    before(async () => {
      engine = await startFakeEngine({ tokenDelayMs: 1 });
      const yaml = `
master_key: ${MASTER}
log_level: warn
${storeYaml()}
access: { refresh_ms: 200 }
backends:
  a: { kind: vllm, url: ${engine.url} }
models:
  - name: m
    deployments: [ { backend: a, model: fake-model } ]
    price: { input: 1000, output: 1000 }
`;
      gateways = await Promise.all(Array.from({ length: instances }, () => startGateway(yaml)));
    });
    after(async () => {
      await Promise.all(gateways.map((g) => g.stop()));
      await engine.close();
      await cleanup();
    });

    /** Waits until every instance knows every key (they learn within access.refresh_ms). */
    async function visible(keys: readonly string[]): Promise<void> {
      const t0 = Date.now();
      for (const g of gateways) {
        for (const k of keys) {
          while ((await fetch(`${g.url}/v1/key`, { headers: { authorization: `Bearer ${k}` } })).status !== 200) {
            assert.ok(Date.now() - t0 < 10_000, 'keys not visible on every instance');
            await sleep(50);
          }
        }
      }
    }

    it('a team budget for ~20 requests holds against 300 concurrent requests from six keys of two members', async () => {
      const url = (gateways[0] as GatewayProcess).url;
      const team = await post(`${url}/admin/teams`, { name: 'lab', budget: 20, budget_period: 'monthly' });
      assert.equal(team.budget, 20);
      const users = [await post(`${url}/admin/users`, { name: 'ada', team_id: team.id }), await post(`${url}/admin/users`, { name: 'bob', team_id: team.id })];
      const keys: string[] = [];
      for (let i = 0; i < 6; i++) keys.push((await createKey(url, MASTER, { name: `k${i}`, user_id: (users[i % 2] as { id: string }).id })).key);
      await visible(keys);

      const r = await burst(gateways, keys, 'team');
      const s = await settled(url, keys[0] as string, 'team');
      console.log(`# ${name}, team level: ${r.admitted} admitted, ${r.refused} refused (402), ${r.retried} retried after 503, team spent ${s.spent.toFixed(4)} of 20, overspend ${Math.max(0, s.spent - 20).toFixed(4)}`);
      assert.deepEqual(r.other, []);
      assert.equal(r.admitted + r.refused, 300);
      assert.deepEqual([...r.levels], ['team']);
      // One request costs ~1.01 credits: at most one reservation beyond the budget, and the budget used.
      assert.ok(s.spent - 20 <= 1.05, `overspend ${s.spent - 20}`);
      assert.ok(r.admitted >= 18 && r.admitted <= 21, `admitted ${r.admitted}`);
      assert.equal(s.budgetLevel, 'team');
      assert.equal(s.remaining, Math.max(0, Math.round((20 - s.spent) * 1e6) / 1e6));
      if (s.spent < 20) return;
      // The other protocols name the level in their own error shapes.
      const headers = { authorization: `Bearer ${keys[1] as string}`, 'content-type': 'application/json' };
      const ollama = await fetch(`${url}/api/chat`, { method: 'POST', headers, body: JSON.stringify({ model: 'm', stream: false, messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(ollama.status, 402);
      assert.match(((await ollama.json()) as { error: string }).error, /^Team budget exhausted/);
      const anthropic = await fetch(`${url}/v1/messages`, { method: 'POST', headers, body: JSON.stringify({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) });
      assert.equal(anthropic.status, 402);
      const a = (await anthropic.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(a.type, 'error');
      assert.match(a.error.message, /^Team budget exhausted/);
    });

    it('a user budget for ~20 requests holds against 300 concurrent requests from four keys of that user', async () => {
      const url = (gateways[0] as GatewayProcess).url;
      const team = await post(`${url}/admin/teams`, { name: 'open-team' });
      const user = await post(`${url}/admin/users`, { name: 'cy', team_id: team.id, budget: 20, budget_period: 'daily' });
      const keys: string[] = [];
      // One key has a budget of its own, larger than the user's: the user's is the tighter one.
      for (let i = 0; i < 4; i++) keys.push((await createKey(url, MASTER, { name: `u${i}`, user_id: user.id, ...(i === 0 ? { budget: 100 } : {}) })).key);
      await visible(keys);

      const r = await burst(gateways, keys, 'user');
      const s = await settled(url, keys[0] as string, 'user');
      console.log(`# ${name}, user level: ${r.admitted} admitted, ${r.refused} refused (402), ${r.retried} retried after 503, user spent ${s.spent.toFixed(4)} of 20, overspend ${Math.max(0, s.spent - 20).toFixed(4)}`);
      assert.deepEqual(r.other, []);
      assert.equal(r.admitted + r.refused, 300);
      assert.deepEqual([...r.levels], ['user']);
      assert.ok(s.spent - 20 <= 1.05, `overspend ${s.spent - 20}`);
      assert.ok(r.admitted >= 18 && r.admitted <= 21, `admitted ${r.admitted}`);
      assert.equal(s.budgetLevel, 'user');
    });
  });
}

suite('one gateway on SQLite (in-memory limiter)', 1, () => 'store: { kind: sqlite, path: relais.db }', () => Promise.resolve());

const schema = uniqueName('relais_levels');
const prefix = uniqueName('relais_levels');
suite(
  'three gateways on PostgreSQL + Redis',
  3,
  () => `store: { kind: postgres, url: "${POSTGRES_URL}", schema: ${schema} }\nredis: { url: "${REDIS_URL}", prefix: ${prefix} }`,
  () => dropSchema(schema),
);
