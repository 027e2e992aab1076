import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getGpu, getModel, getQuant } from '../../src/catalog/index.js';
import { buildReplicaModel, type Calibration } from '../../src/perfmodel/index.js';
import { calibrateFromCells, measuredCells } from '../../src/plan/calibrate.js';
import { loadCalibration, saveCalibrationEntry } from '../../src/plan/calibration-file.js';
import { DEFAULT_COSTS } from '../../src/plan/costs.js';
import { evaluate } from '../../src/plan/evaluate.js';
import { predictGrid } from '../../src/plan/grid.js';
import { USE_CASES } from '../../src/plan/use-case.js';

const spec = { gpu: 'l40s', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm' as const };
/** A "real" engine that is deliberately unlike the defaults: slower memory, much slower compute, heavier CPU. */
const truth = { bandwidth: 0.55, attentionBandwidth: 0.35, compute: 0.25, layerOverheadSec: 30e-6, stepOverheadSec: 3e-3, seqOverheadSec: 80e-6 };

/** A bench run of the simulated engine, in the file format `relais bench` writes (marked measured). */
function simulatedRun(calibration: Calibration | undefined) {
  const replica = buildReplicaModel({ ...spec, maxModelLen: 8192 }, calibration);
  const run = predictGrid({ replicas: [replica], concurrency: [1, 4, 16], promptTokens: [128, 1024], maxTokens: 64, requestsPerCell: 64, toolVersion: 'test', label: 'simulated engine' });
  return { ...run, source: 'measured' as const };
}

test('calibrate moves the factors towards a different engine, and the calibrated planner re-predicts its run within 10%', { timeout: 120_000 }, () => {
  const measured = simulatedRun({ entries: [{ engine: 'vllm', gpu: 'l40s', source: 'truth', ...truth }] });
  const cells = measuredCells(measured);
  assert.equal(cells.length, 6);
  const before = simulatedRun(undefined);
  const r = calibrateFromCells(spec, cells, 'simulated engine');
  assert.ok(r.rmsError < r.rmsErrorBefore / 3, `rms ${r.rmsErrorBefore} → ${r.rmsError}`);
  assert.ok(r.rmsError < 0.05, `rms after ${r.rmsError}`);
  const move = (k: string) => r.moves.find((m) => m.factor === k)!;
  assert.ok(move('compute').after < move('compute').before, 'compute share moves down towards the slower engine');
  assert.ok(move('bandwidth').after < move('bandwidth').before, 'bandwidth share moves down');
  const after = simulatedRun({ entries: [r.entry] });
  let worstBefore = 0;
  for (let i = 0; i < measured.cells.length; i++) {
    const m = measured.cells[i]!.summary!;
    const a = after.cells[i]!.summary!;
    const b = before.cells[i]!.summary!;
    for (const [name, mv, av, bv] of [['e2e', m.e2eMs.mean, a.e2eMs.mean, b.e2eMs.mean], ['tpot', m.tpotMs!.mean, a.tpotMs!.mean, b.tpotMs!.mean], ['ttft', m.ttftMs!.mean, a.ttftMs!.mean, b.ttftMs!.mean]] as const) {
      assert.ok(Math.abs(av / mv - 1) <= 0.1, `cell ${i} ${name}: calibrated ${av.toFixed(1)} vs measured ${mv.toFixed(1)}`);
      worstBefore = Math.max(worstBefore, Math.abs(bv / mv - 1));
    }
  }
  assert.ok(worstBefore > 0.3, `the defaults were far off (${worstBefore}), so the calibration did the work`);
});

test('a saved calibration is used by later plans, which say so and narrow the range', async () => {
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
    assert.ok(calibrated.uncertainty.speed.high - calibrated.uncertainty.speed.low < plain.uncertainty.speed.high - plain.uncertainty.speed.low);
    assert.equal(await loadCalibration(join(dir, 'missing.json'), false), undefined);
    await assert.rejects(loadCalibration(join(dir, 'missing.json'), true), /cannot read calibration/);
  } finally {
    await rm(dir, { recursive: true });
  }
});
