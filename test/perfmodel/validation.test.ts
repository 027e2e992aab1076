// The model against public batched measurements, out of sample: fails when a model change breaks the goals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BATCHED_MEASUREMENTS, MEASUREMENT_SOURCES } from '../../src/catalog/batched-measurements.js';
import { getGpu, getModel, getQuant } from '../../src/catalog/index.js';
import { SERVER_FACTORS, SERVER_UNCERTAINTY } from '../../src/perfmodel/index.js';
import { bandsFromHeldOut, errorStats, fitServerFactors, leaveOneSourceOut, validationPoints } from '../../src/perfmodel/validate.js';

test('every measurement names a known source and valid catalog ids', () => {
  const sources = new Set(MEASUREMENT_SOURCES.map((s) => s.id));
  assert.ok(BATCHED_MEASUREMENTS.length >= 90);
  for (const m of BATCHED_MEASUREMENTS) {
    assert.ok(sources.has(m.source), m.source);
    if (m.gpu !== null) getGpu(m.gpu);
    if (m.model !== null) getModel(m.model);
    if (m.quant !== null) getQuant(m.quant);
  }
  for (const s of MEASUREMENT_SOURCES) assert.match(s.url, /^https:\/\//);
});

test('leave-one-source-out: held-out vLLM sources within the goals (per-user tok/s ±30% typical, latency shape median ≤ 15%, p90 ≤ 35%)', () => {
  const heldOut = leaveOneSourceOut();
  const engineOf = new Map(MEASUREMENT_SOURCES.map((s) => [s.id, s.engine]));
  const vllm = heldOut.filter((h) => engineOf.get(h.source) === 'vllm').flatMap((h) => h.errors);
  const perUser = errorStats(vllm.flatMap((e) => (e.perUser === undefined ? [] : [e.perUser])));
  const shape = errorStats(vllm.flatMap((e) => (e.latencyRatio === undefined ? [] : [e.latencyRatio])));
  assert.ok(perUser.n >= 8 && shape.n >= 4, `points: ${perUser.n} per-user, ${shape.n} shape`);
  assert.ok(perUser.median <= 0.2, `per-user median ${perUser.median}`);
  assert.ok(perUser.p90 <= 0.35, `per-user p90 ${perUser.p90}`);
  assert.ok(shape.median <= 0.15, `latency shape median ${shape.median}`);
  assert.ok(shape.p90 <= 0.35, `latency shape p90 ${shape.p90}`);
  // The published bands are the held-out errors (refreshed with the model: npm run bench:perfmodel).
  const bands = bandsFromHeldOut(heldOut);
  for (const [name, got, want] of [
    ['speed.low', bands.speed.low, SERVER_UNCERTAINTY.speed.low], ['speed.high', bands.speed.high, SERVER_UNCERTAINTY.speed.high],
    ['latency.low', bands.latency.low, SERVER_UNCERTAINTY.latency.low], ['latency.high', bands.latency.high, SERVER_UNCERTAINTY.latency.high],
  ] as const) assert.ok(Math.abs(got - want) <= 0.02, `${name}: held out ${got.toFixed(3)}, published ${want}`);
});

test('the shipped server factors are the fit on every vLLM source', () => {
  const fitted = fitServerFactors(validationPoints().filter((p) => p.engine === 'vllm'));
  for (const k of Object.keys(SERVER_FACTORS) as (keyof typeof SERVER_FACTORS)[]) {
    assert.ok(Math.abs(fitted[k] / SERVER_FACTORS[k] - 1) <= 0.05, `${k}: fitted ${fitted[k]}, shipped ${SERVER_FACTORS[k]}`);
  }
});
