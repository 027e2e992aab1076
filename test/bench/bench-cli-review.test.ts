// `relais bench` as a newcomer meets it (issue 11, item 22): a keyed gateway's 401 is shown, the
// default run is quick, --full is the old grid, and shared-prefix --prompt-tokens is the whole prompt.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as bench } from '../../src/cli/bench.js';
import { run as usage } from '../../src/cli/usage.js';
import { run as keys } from '../../src/cli/keys.js';
import { writeFileSync } from 'node:fs';
import { settingsFrom } from '../../src/bench/bench-options.js';
import type { BenchRun } from '../../src/bench/run-types.js';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { captureCli } from '../support/capture-cli.js';
import { startKeyedGateway, type KeyedGateway } from '../review/keyed-gateway.js';

const MASTER = 'sk-bench-master-0123456789';

describe('relais bench against a keyed gateway over the simulator', () => {
  let sim: SimFleet;
  let gw: KeyedGateway;
  let dir: string;

  before(async () => {
    sim = await startSimFleet({ replicas: 1, gpu: 'a100-80g', model: 'llama-3.1-8b', servedModelName: 'sim-llama', speed: 50, outputLen: 'normal:8:2', seed: 5 });
    gw = await startKeyedGateway({
      master_key: MASTER,
      backends: { sim: { kind: 'vllm', url: sim.urls[0] } },
      models: [{ name: 'llama', deployments: [{ backend: 'sim', model: 'sim-llama' }] }],
    });
    dir = mkdtempSync(join(tmpdir(), 'relais-bench-cli-'));
  });
  after(async () => {
    await gw.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('without a key: the 401 is shown with what to do, exit 1, nothing measured', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    try {
      for (const argv of [['--url', gw.url], ['--url', gw.url, '--model', 'llama'], ['--url', gw.url, '--api-key', 'sk-wrong']]) {
        const before = sim.replicas[0]?.requests ?? 0;
        const r = await captureCli(bench, [...argv, '--no-progress']);
        assert.equal(r.code, 1, r.err);
        assert.match(r.err, /HTTP 401/);
        assert.match(r.err, /--api-key/);
        assert.equal(sim.replicas[0]?.requests, before, 'no request reached the engine');
      }
    } finally {
      if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
    }
  });

  test('the default run is the quick grid (4 cells, 88 requests); --full is the 990-request one', async () => {
    const quick = settingsFrom({});
    assert.deepEqual([quick.concurrency, quick.promptTokens, quick.requestsPerCell, quick.warmupPerCell], [[1, 4], [128, 512], 20, 2]);
    assert.deepEqual(quick.output, { kind: 'fixed', tokens: 64 });
    const full = settingsFrom({ full: true });
    assert.deepEqual([full.concurrency, full.promptTokens, full.requestsPerCell], [[1, 2, 4, 8, 16, 32], [128, 512, 2048], 50]);
    assert.equal(full.concurrency.length * full.promptTokens.length * (full.requestsPerCell + full.warmupPerCell), 990);
    assert.deepEqual(settingsFrom({ full: true, concurrency: '3' }).concurrency, [3], 'a given flag wins over the preset');

    const out = join(dir, 'quick.json');
    const before = sim.replicas[0]?.requests ?? 0;
    const r = await captureCli(bench, ['--url', gw.url, '--api-key', MASTER, '--no-progress', '--out', out]);
    assert.equal(r.code, 0, r.err);
    const run = JSON.parse(readFileSync(out, 'utf8')) as BenchRun;
    assert.equal(run.target.model, 'llama', 'model taken from /v1/models with the key');
    assert.equal(run.cells.length, 4);
    assert.ok(run.cells.every((c) => c.status === 'ok'));
    const sent = (sim.replicas[0]?.requests ?? 0) - before;
    assert.ok(sent >= 88 && sent <= 88 + 6, `88 measured/warm-up requests plus a few probes, got ${sent}`);
  });

  test('shared-prefix: --prompt-tokens is the whole prompt the server counts, prefix included', async () => {
    assert.throws(() => settingsFrom({ workload: 'shared-prefix', 'prefix-tokens': '500', 'prompt-tokens': '400' }), /--prompt-tokens 400.*larger than --prefix-tokens 500/);
    assert.deepEqual(settingsFrom({ workload: 'shared-prefix', 'prefix-tokens': '500' }).promptTokens, [628, 1012], 'the preset sizes are added to the prefix');
    const out = join(dir, 'prefix.json');
    const r = await captureCli(bench, [
      '--url', gw.url, '--api-key', MASTER, '--no-progress', '--out', out, '--workload', 'shared-prefix',
      '--prefix-groups', '2', '--prefix-tokens', '1500', '--prompt-tokens', '1700', '--concurrency', '2', '--requests', '8', '--max-tokens', '4',
    ]);
    assert.equal(r.code, 0, r.err);
    const run = JSON.parse(readFileSync(out, 'utf8')) as BenchRun;
    const counted = run.cells[0]?.summary?.promptTokens?.mean ?? 0;
    // The report: 3,185 counted for these flags. Within 3% (one word or two of template) of 1,700 now.
    assert.ok(Math.abs(counted - 1700) <= 1700 * 0.03, `server counted ${counted} prompt tokens for --prompt-tokens 1700`);
  });
});

test('relais usage: errors name the flags (--by, --from, --to), not the admin API fields', async () => {
  const by = await captureCli(usage, ['--by', 'colour']);
  assert.equal(by.code, 2);
  assert.match(by.err, /relais usage: --by: expected one of/);
  assert.doesNotMatch(by.err, /group_by/);
  const from = await captureCli(usage, ['--from', 'yesterday']);
  assert.match(from.err, /relais usage: --from: expected YYYY-MM-DD/);
  const to = await captureCli(usage, ['--to', '9e15']);
  assert.match(to.err, /relais usage: --to: expected/);
  const order = await captureCli(usage, ['--from', '2026-02-01', '--to', '2026-01-01']);
  assert.match(order.err, /relais usage: --from must be before --to/);
});

test('relais keys: errors name the flags (--period, --expires, --retention, --budget), not the key fields', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-keys-cli-'));
  const config = join(dir, 'relais.yaml');
  writeFileSync(config, `data_dir: ${join(dir, 'data')}\n`);
  try {
    const cases: Array<[string[], RegExp]> = [
      [['--period', 'yearly'], /^relais keys create: --period: /],
      [['--expires', '9e15'], /^relais keys create: --expires: /],
      [['--retention', '0'], /^relais keys create: --retention: /],
      [['--budget=-5'], /^relais keys create: --budget: /],
    ];
    for (const [flags, expected] of cases) {
      const r = await captureCli(keys, ['create', '--name', 'ada', ...flags, '--config', config]);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, expected);
      assert.doesNotMatch(r.err, /budget_period|expires_at|log_retention_days/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
