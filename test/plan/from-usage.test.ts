// `relais plan --from-usage` on a store (SQLite and PostgreSQL) filled with a synthetic week of known profile.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/plan.js';
import { openStore } from '../../src/store/open-store.js';
import { readUsageLoad } from '../../src/plan/usage-load.js';
import { captureCli } from '../support/capture-cli.js';
import { dropSchema, POSTGRES_URL, uniqueName } from '../store/services.js';
import { LANES, syntheticWeek, WEEK_START } from './usage-week.js';

interface PlanJson {
  users: number;
  load: {
    model: string; requests: number; peak: number; p95: number; busiest_hour: number; hours_per_day: number; days_per_week: number;
    hours: { hour: number; peak: number; p95: number; requests: number }[]; cached_share: number; growth: number; users: number;
    prompt_tokens: { mean: number; p50: number; p99: number }; output_tokens: { mean: number }; models: { model: string; requests: number }[];
  };
  configurations: { gpu: string; gpus: number; users_served: number; users: number; prompt_tokens: number; output_tokens: number; cost: { eur_month: number };
    rent_vs_buy: { hours: { per_day: number; days_per_week: number } } }[];
  excluded: { segment: string }[];
}

const storeKinds = [
  { name: 'sqlite', yaml: (dir: string) => `data_dir: ${join(dir, 'data')}\nmodels: []\n`, cleanup: async () => {} },
  (() => {
    const schema = uniqueName('relais_plan');
    return {
      name: 'postgres',
      yaml: (dir: string) => `data_dir: ${join(dir, 'data')}\nmodels: []\nstore:\n  kind: postgres\n  url: ${POSTGRES_URL}\n  schema: ${schema}\n`,
      cleanup: () => dropSchema(schema),
    };
  })(),
];

for (const kind of storeKinds) {
  describe(`plan --from-usage (${kind.name})`, () => {
    let dir: string;
    let config: string;
    const plan = (...argv: string[]) => captureCli(run, ['--from-usage', '--config', config, '--from', '2025-01-06', '--to', '2025-01-12', '--timezone', 'UTC', ...argv]);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'relais-plan-usage-'));
      config = join(dir, 'relais.yaml');
      writeFileSync(config, kind.yaml(dir));
      const { loadConfigFile } = await import('../../src/config/load.js');
      const store = await openStore(loadConfigFile(config));
      try {
        await store.insertUsage(syntheticWeek());
      } finally {
        await store.close();
      }
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await kind.cleanup();
    });

    it('finds the known daily profile: peak and p95 per hour, sizes, cached share, hours and days of use', async () => {
      const { loadConfigFile } = await import('../../src/config/load.js');
      const store = await openStore(loadConfigFile(config));
      let load;
      try {
        load = await readUsageLoad(store, { from: '2025-01-06', to: '2025-01-12', timeZone: 'UTC' }, WEEK_START + 14 * 86_400_000);
      } finally {
        await store.close();
      }
      const p = load.profile;
      assert.equal(p.model, 'meta-llama/Llama-3.1-8B-Instruct', 'the most requested model');
      assert.deepEqual(load.models.map((m) => [m.model, m.requests]), [['meta-llama/Llama-3.1-8B-Instruct', 5 * 2770 + 12], ['qwen2.5-coder-7b', 50]]);
      for (const [h, lanes] of Object.entries(LANES)) {
        const hour = p.hours[Number(h)]!;
        assert.equal(hour.peak, Number(h) === 14 ? 40 : lanes, `peak at ${h}:00`);
        assert.equal(hour.p95, lanes, `p95 at ${h}:00 (weekends idle: still under 5% of the time at the weekday level)`);
      }
      assert.equal(p.hours[3]?.peak, 0);
      assert.equal(p.hours[11]?.requests, 5 * 30 * 12 + 12, 'Saturday 11:00 counts too');
      assert.deepEqual([p.peak, p.p95, p.busiestHour], [40, 30, 14]);
      assert.deepEqual([p.promptTokens.mean, p.promptTokens.p50, p.promptTokens.p99, p.outputTokens.mean], [2000, 1000, 3000, 400]);
      assert.equal(p.cachedShare, 0.25);
    });

    it('recommends for the measured load, and for twice that with --growth 2x', async () => {
      const args = ['--json', '--max-gpus', '4', '--engine', 'vllm'];
      const now = await plan(...args);
      assert.equal(now.code, 0, now.err);
      const a = JSON.parse(now.out) as PlanJson;
      assert.equal(a.users, 30, 'p95 of the busiest hour');
      assert.deepEqual([a.load.peak, a.load.p95, a.load.busiest_hour, a.load.hours_per_day, a.load.days_per_week], [40, 30, 14, 10, 5]);
      assert.equal(a.load.cached_share, 0.25);
      assert.ok(a.configurations.length > 0);
      const first = a.configurations[0]!;
      assert.deepEqual([first.prompt_tokens, first.output_tokens], [2000, 400], 'sizes from the records');
      assert.deepEqual([first.rent_vs_buy.hours.per_day, first.rent_vs_buy.hours.days_per_week], [10, 5], 'hours of use from the records');
      for (const c of a.configurations) assert.ok(c.users_served >= 30, `${c.gpus} × ${c.gpu} serves ${c.users_served}`);

      const grown = await plan(...args, '--growth', '2x');
      assert.equal(grown.code, 0, grown.err);
      const b = JSON.parse(grown.out) as PlanJson;
      assert.equal(b.users, 60);
      assert.equal(b.load.growth, 2);
      for (const c of b.configurations) assert.ok(c.users_served >= 60, `${c.gpus} × ${c.gpu} serves ${c.users_served}`);
      assert.ok(b.configurations[0]!.cost.eur_month >= first.cost.eur_month);
      assert.ok(a.configurations.some((c) => c.users_served < 60), 'some of today\'s choices would not carry twice the load');
      const gone = a.configurations.filter((c) => c.users_served < 60).map((c) => `${c.gpus}×${c.gpu}`);
      const kept = new Set(b.configurations.map((c) => `${c.gpus}×${c.gpu}`));
      assert.ok(gone.every((k) => !kept.has(k) || b.configurations.find((c) => `${c.gpus}×${c.gpu}` === k)!.users_served >= 60));
    });

    it('prints the profile and what it plans for, and refuses a model it cannot find', async () => {
      const r = await plan('--max-gpus', '2', '--top', '3', '--engine', 'vllm');
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /Load from usage records .* 13862 requests to meta-llama\/Llama-3\.1-8B-Instruct \(100% of all\); also qwen2\.5-coder-7b 0%/);
      assert.match(r.out, /^14:00\s+1850\s+40\s+30\s+21\.7$/m);
      assert.match(r.out, /busiest hour 14:00: p95 30, peak 40 simultaneous requests; in use 10 h\/day, 5 days\/week/);
      assert.match(r.out, /25% of prompt tokens came from the prefix cache/);
      assert.match(r.out, /planning for 30 simultaneous users \(p95 of the busiest hour 30\), 10 h\/day × 5 days\/week/);
      assert.match(r.out, /llama-3\.1-8b, 30 simultaneous users, chat: .* used 10 h\/day × 5 days\/week/);
      const peak = await plan('--size-for', 'peak', '--max-gpus', '1', '--engine', 'vllm', '--json');
      assert.equal((JSON.parse(peak.out) as PlanJson).users, 40);
      const other = await plan('--usage-model', 'gpt-9', '--max-gpus', '1');
      assert.equal(other.code, 2);
      assert.match(other.err, /no usage records for model 'gpt-9'; the records name meta-llama\/Llama-3\.1-8B-Instruct, qwen2\.5-coder-7b/);
      const empty = await captureCli(run, ['--from-usage', '--config', config, '--from', '2024-01-01', '--to', '2024-01-31']);
      assert.match(empty.err, /no usage records between 2024-01-01/);
      const bad = await plan('--growth', 'lots');
      assert.match(bad.err, /--growth must be a factor like 2x/);
    });
  });
}
