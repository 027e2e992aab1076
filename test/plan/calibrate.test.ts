import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getGpu, getModel, getQuant } from '../../src/catalog/index.js';
import { calibrateFromCells, measuredCells } from '../../src/plan/calibrate.js';
import { loadCalibration, saveCalibrationEntry } from '../../src/plan/calibration-file.js';
import { DEFAULT_COSTS } from '../../src/plan/costs.js';
import { evaluate } from '../../src/plan/evaluate.js';
import { USE_CASES } from '../../src/plan/use-case.js';
import { syntheticRun } from './bench-run-fixture.js';

const spec = { gpu: 'l40s', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm' as const };
const truth = { bandwidth: 0.55, compute: 0.3, layerOverheadSec: 8e-5, stepOverheadSec: 0 };

test('calibration recovers the efficiency factors a run was generated with', () => {
  const run = syntheticRun(spec, { entries: [{ engine: 'vllm', gpu: 'l40s', source: 'truth', ...truth }] }, [1, 4, 16], [128, 1024], 128);
  const cells = measuredCells(run);
  assert.equal(cells.length, 6);
  const r = calibrateFromCells(spec, cells, 'synthetic');
  assert.ok(r.rmsError < 0.02, `rms ${r.rmsError}`);
  assert.ok(Math.abs((r.entry.bandwidth ?? 0) / truth.bandwidth - 1) < 0.1, `bandwidth ${r.entry.bandwidth}`);
  assert.ok(Math.abs((r.entry.compute ?? 0) / truth.compute - 1) < 0.1, `compute ${r.entry.compute}`);
});

test('a saved calibration is used by later plans, which say so', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relais-cal-'));
  try {
    const file = join(dir, 'calibration.json');
    await saveCalibrationEntry(file, { engine: 'vllm', gpu: 'h100-sxm', source: 'old', bandwidth: 0.9 });
    await saveCalibrationEntry(file, { engine: 'vllm', gpu: 'l40s', source: 'mine', ...truth });
    await saveCalibrationEntry(file, { engine: 'vllm', gpu: 'l40s', source: 'mine again', ...truth, bandwidth: 0.5 });
    const cal = await loadCalibration(file, true);
    assert.equal(cal?.entries.length, 2);
    const base = { gpu: getGpu('l40s'), model: getModel('llama-3.1-8b'), quant: getQuant('bf16'), engine: 'vllm' as const, gpus: 1, tp: 1, workload: USE_CASES.chat, users: 10, costs: DEFAULT_COSTS };
    const calibrated = evaluate({ ...base, calibration: cal });
    const plain = evaluate(base);
    assert.equal(calibrated.calibrated, true);
    assert.equal(plain.calibrated, false);
    assert.ok(calibrated.single.perUserTokPerSec < plain.single.perUserTokPerSec);
    assert.equal(await loadCalibration(join(dir, 'missing.json'), false), undefined);
    await assert.rejects(loadCalibration(join(dir, 'missing.json'), true), /cannot read calibration/);
  } finally {
    await rm(dir, { recursive: true });
  }
});
