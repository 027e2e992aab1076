import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/plan.js';
import { captureCli, type CliOutput } from '../support/capture-cli.js';
import { syntheticRun } from './bench-run-fixture.js';

/** Runs `relais plan` in-process, capturing what it prints. */
function plan(...argv: string[]): Promise<CliOutput> {
  return captureCli(run, argv);
}

test('one configuration as JSON: fits and kv_bytes_per_token', async () => {
  const r = await plan('--model', 'llama-3.1-70b', '--gpu', 'h100-sxm', '--quant', 'bf16', '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { fits: boolean; kv_bytes_per_token: number };
  assert.equal(j.fits, false);
  assert.equal(j.kv_bytes_per_token, 327680);
  const ok = JSON.parse((await plan('--model', 'llama-3.1-70b', '--gpu', 'h100-sxm', '--quant', 'awq-int4', '--json', '--users', '5')).out) as { fits: boolean };
  assert.equal(ok.fits, true);
});

test('unknown model or GPU ids fail with the known ones listed', async () => {
  const g = await plan('--model', 'llama-3.1-8b', '--gpu', 'rtx-9090');
  assert.equal(g.code, 2);
  assert.match(g.err, /unknown GPU 'rtx-9090'; known: .*rtx-4090/);
  const m = await plan('--model', 'gpt-5', '--users', '3');
  assert.match(m.err, /unknown model 'gpt-5'; known: .*llama-3\.1-8b/);
  const bad = await plan('--model', 'llama-3.1-8b', '--max-ttft', 'soon');
  assert.match(bad.err, /--max-ttft must be a duration/);
  assert.equal((await plan('--frobnicate')).code, 2);
});

test('recommendations for a team, with the arithmetic of the first one', async () => {
  const r = await plan('--model', 'llama-3.1-8b', '--users', '70', '--max-gpus', '2', '--top', '3', '--explain');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /€\/month/);
  assert.match(r.out, /step by step/);
  const j = JSON.parse((await plan('--model', 'llama-3.1-8b', '--users', '70', '--max-gpus', '2', '--json', '--pricing', 'rent')).out) as {
    configurations: { gpu: string; users_served: number; cost: { pricing: string } }[];
  };
  assert.ok(j.configurations.length > 0);
  for (const c of j.configurations) {
    assert.ok(c.users_served >= 70);
    assert.equal(c.cost.pricing, 'rent');
  }
});

test('plan calibrate fits a bench run and later plans use it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relais-cli-'));
  try {
    const spec = { gpu: 'rtx-4090', gpus: 1, model: 'llama-3.1-8b', quant: 'awq-int4', engine: 'vllm' as const };
    const cal = { entries: [{ engine: 'vllm' as const, gpu: 'rtx-4090', source: 't', bandwidth: 0.6, compute: 0.4, layerOverheadSec: 5e-5, stepOverheadSec: 0 }] };
    const runFile = join(dir, 'run.json');
    await writeFile(runFile, JSON.stringify(syntheticRun(spec, cal, [1, 8], [256, 1024], 64)));
    const calFile = join(dir, 'cal.json');
    const c = await plan('calibrate', runFile, '--gpu', 'rtx-4090', '--model', 'llama-3.1-8b', '--quant', 'awq-int4', '--out', calFile);
    assert.equal(c.code, 0, c.err);
    assert.match(c.out, /saved to/);
    const e = await plan('--model', 'llama-3.1-8b', '--gpu', 'rtx-4090', '--quant', 'awq-int4', '--calibration', calFile);
    assert.match(e.out, /uses your calibration/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('plan grid prints the predicted bench table and writes the run file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relais-grid-'));
  try {
    const out = join(dir, 'predicted.json');
    const r = await plan('grid', '--model', 'qwen2.5-0.5b', '--gpu', 'rtx-3060-12g', '--concurrency', '1,4', '--prompt-tokens', '32,256', '--max-tokens', '32', '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /end-to-end latency, mean/);
    const j = JSON.parse(await readFile(out, 'utf8')) as { source: string; cells: unknown[] };
    assert.equal(j.source, 'predicted');
    assert.equal(j.cells.length, 4);
    assert.match((await plan('grid', '--model', 'qwen2.5-0.5b', '--gpu', 'nope')).err, /unknown GPU 'nope'/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('--model-config sizes a model that is not in the catalog', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relais-cfg-'));
  try {
    const f = join(dir, 'config.json');
    await writeFile(f, JSON.stringify({
      _name_or_path: 'my-org/tiny-gqa', num_hidden_layers: 16, hidden_size: 2048, num_attention_heads: 32, num_key_value_heads: 8,
      intermediate_size: 8192, vocab_size: 128256, max_position_embeddings: 131072, tie_word_embeddings: true,
    }));
    const r = await plan('--model-config', f, '--gpu', 'rtx-3060-12g', '--context', '8192', '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as { model: string; fits: boolean; kv_bytes_per_token: number };
    assert.equal(j.model, 'my-org/tiny-gqa');
    assert.equal(j.fits, true);
    assert.equal(j.kv_bytes_per_token, 2 * 16 * 8 * 64 * 2);
    assert.match((await plan('--model-config', f, '--model', 'llama-3.1-8b', '--users', '2')).err, /exactly one of/);
  } finally {
    await rm(dir, { recursive: true });
  }
});
