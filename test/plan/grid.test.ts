import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRuns } from '../../src/bench/compare.js';
import { buildReplicaModel, steadyState } from '../../src/perfmodel/index.js';
import { predictGrid } from '../../src/plan/grid.js';

const spec = { gpu: 'l40s', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm' as const, maxModelLen: 8192 };

test('predicted grid has the bench run layout: one cell per concurrency × prompt size', () => {
  const r = buildReplicaModel(spec);
  const run = predictGrid({ replicas: [r], concurrency: [1, 8, 32], promptTokens: [128, 2048], maxTokens: 64, toolVersion: 't', label: 'l40s' });
  assert.equal(run.format, 'relais-bench-run/1');
  assert.equal(run.source, 'predicted');
  assert.equal(run.cells.length, 6);
  const e2e = (c: number, p: number) => run.cells.find((x) => x.key.concurrency === c && x.key.promptTokens === p)!.summary!.e2eMs.mean;
  assert.ok(e2e(32, 2048) > e2e(1, 2048) && e2e(1, 2048) > e2e(1, 128));
  // A lone request in the simulator agrees with the closed-form steady state.
  const s = steadyState(r, { concurrency: 1, promptTokens: 128, outputTokens: 64 });
  assert.ok(Math.abs(e2e(1, 128) / (s.e2eSec * 1e3) - 1) < 0.1, `${e2e(1, 128)} vs ${s.e2eSec * 1e3}`);
  // bench compare matches every cell of two runs.
  const cmp = compareRuns(run, run);
  assert.equal(cmp.length, 6);
  assert.ok(cmp.every((c) => c.ratios.e2eMean === 1));
});

test('cells a configuration cannot serve are null with the reason', () => {
  const noFit = buildReplicaModel({ ...spec, model: 'llama-3.1-70b', gpu: 'rtx-3090' });
  const run = predictGrid({ replicas: [noFit], concurrency: [1], promptTokens: [128], maxTokens: 16, toolVersion: 't', label: 'x' });
  assert.equal(run.cells[0]!.status, 'na');
  assert.equal(run.cells[0]!.summary, null);
  assert.match(run.cells[0]!.reason ?? '', /does not fit/);
  const short = buildReplicaModel({ ...spec, maxModelLen: 1024 });
  const tooLong = predictGrid({ replicas: [short], concurrency: [1], promptTokens: [2000], maxTokens: 16, toolVersion: 't', label: 'x' });
  assert.match(tooLong.cells[0]!.reason ?? '', /exceed the context/);
});
