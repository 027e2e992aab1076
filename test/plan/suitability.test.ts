// Which GPUs a plan considers: consumer cards are left out of shared services (and the output says why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu, getModel } from '../../src/catalog/index.js';
import { run } from '../../src/cli/plan.js';
import { DEFAULT_COSTS } from '../../src/plan/costs.js';
import { recommend } from '../../src/plan/recommend.js';
import { parseAllow } from '../../src/plan/suitability.js';
import { USE_CASES } from '../../src/plan/use-case.js';
import { captureCli } from '../support/capture-cli.js';

const llama8b = getModel('llama-3.1-8b');
const args = { model: llama8b, users: 70, workload: USE_CASES.chat, costs: DEFAULT_COSTS, maxGpus: 4, engines: ['vllm'] as const };

test('a 70-user 8B plan for a team ranks no consumer rig, and says why consumer cards were left out', () => {
  const r = recommend(args);
  assert.ok(r.ranked.length > 0);
  for (const e of r.ranked) {
    assert.notEqual(e.input.gpu.segment, 'consumer', `${e.input.gpu.id} ranked`);
    assert.notEqual(e.placement?.host.segment, 'consumer', `${e.placement?.host.id} as a host`);
    assert.ok(e.usersServed >= 70);
  }
  const consumer = r.excluded.find((x) => x.segment === 'consumer');
  assert.deepEqual(consumer?.gpus, ['rtx-3060-12g', 'rtx-3090', 'rtx-4090']);
  assert.match(consumer?.reason ?? '', /driver licence excludes datacenter deployment, no ECC/);
  assert.ok(!r.excluded.some((x) => x.segment === 'workstation' || x.segment === 'datacenter'));
});

test('--allow consumer brings them back, and a personal plan allows everything', () => {
  const all = recommend({ ...args, allow: ['consumer', 'workstation', 'datacenter'] });
  assert.ok(all.ranked.some((e) => e.input.gpu.segment === 'consumer'));
  assert.equal(all.excluded.length, 0);
  const personal = recommend({ ...args, users: 1, useCase: 'personal', workload: USE_CASES.personal, maxGpus: 1 });
  assert.equal(personal.excluded.length, 0);
  assert.ok(personal.ranked.some((e) => e.input.gpu.id === 'rtx-4090' || e.input.gpu.id === 'rtx-3090'));
  const dcOnly = recommend({ ...args, allow: ['datacenter'], maxGpus: 1 });
  assert.deepEqual(dcOnly.excluded.map((x) => x.segment), ['workstation', 'consumer']);
  for (const e of dcOnly.ranked) assert.equal(e.placement?.host.segment, 'datacenter');
});

test('a GPU list given by the caller is taken as is (the console\'s Plan page passes one)', () => {
  const r = recommend({ ...args, gpus: [getGpu('rtx-4090'), getGpu('l40s')], maxGpus: 2 });
  assert.equal(r.excluded.length, 0);
  assert.ok(r.ranked.some((e) => e.input.gpu.id === 'rtx-4090'));
});

test('the CLI prints the exclusion; --allow rejects unknown segments', async () => {
  const r = await captureCli(run, ['--model', 'llama-3.1-8b', '--users', '70', '--max-gpus', '1', '--engine', 'vllm', '--top', '2']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /not considered: consumer GPUs \(rtx-3060-12g, rtx-3090, rtx-4090\) — GeForce cards: .*; --allow consumer,… to include them\./);
  const j = JSON.parse((await captureCli(run, ['--model', 'llama-3.1-8b', '--users', '70', '--max-gpus', '1', '--engine', 'vllm', '--json'])).out) as {
    excluded: { segment: string; gpus: string[] }[]; configurations: { suitability: { segment: string; ecc: boolean } }[];
  };
  assert.equal(j.excluded[0]?.segment, 'consumer');
  for (const c of j.configurations) assert.equal(c.suitability.ecc, true);
  assert.throws(() => parseAllow('gaming'), /--allow must list datacenter, workstation, consumer, got 'gaming'/);
  assert.deepEqual(parseAllow('consumer, datacenter'), ['consumer', 'datacenter']);
});
