// Arithmetic of each step-time term and of the batch effects in the steady state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu, getModel, getQuant } from '../../src/catalog/index.js';
import {
  buildReplicaModel, kvBytesPerToken, LINKS, RIDGE_SHARPNESS, steadyState, stepTerms, weightsReadBytes, type Efficiency, type StepParts,
} from '../../src/perfmodel/index.js';
import { leastLoaded } from '../../src/router/policies/least-loaded.js';
import { simulateFleet } from '../../src/sim/fleet-sim.js';
import { parseWorkload } from '../../src/sim/workload.js';

const eff: Efficiency = { bandwidth: 0.8, attentionBandwidth: 0.5, compute: 0.5, layerOverheadSec: 30e-6, stepOverheadSec: 1e-3, seqOverheadSec: 20e-6, source: 'test' };
const model = getModel('llama-3.1-8b');
const parts = (gpu: string, gpus = 1): StepParts => ({ gpu: getGpu(gpu), model, quant: getQuant('bf16'), engine: 'vllm', gpus, efficiency: eff });
const near = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b));

test('attention reads the KV of every running sequence: grows with batch × context, at its own bandwidth share', () => {
  const p = parts('h100-sxm');
  const t = stepTerms(p, { prefillTokens: 0, prefillContextTokens: 0, decodeSeqs: 64, decodeContextTokens: 64 * 2000 });
  const kv = kvBytesPerToken(model) * (64 * 2000 + 64);
  assert.ok(near(t.attentionMemorySec, kv / (3350e9 * 0.5)));
  const t2 = stepTerms(p, { prefillTokens: 0, prefillContextTokens: 0, decodeSeqs: 128, decodeContextTokens: 128 * 2000 });
  assert.ok(t2.attentionMemorySec > 1.99 * t.attentionMemorySec);
  assert.ok(near(t.linearMemorySec, weightsReadBytes(model, getQuant('bf16'), 64) / (3350e9 * 0.8)));
});

test('linear layers turn compute-bound past the ridge point, through a soft roofline', () => {
  const p = parts('h100-sxm');
  const small = stepTerms(p, { prefillTokens: 0, prefillContextTokens: 0, decodeSeqs: 8, decodeContextTokens: 8 * 100 });
  assert.ok(small.linearMemorySec > 10 * small.linearComputeSec);
  assert.ok(near(small.linearSec, Math.hypot(small.linearMemorySec, small.linearComputeSec)) && RIDGE_SHARPNESS === 2);
  assert.ok(near(small.linearComputeSec, (2 * model.activeParams * 8) / (989e12 * 0.5)));
  const big = stepTerms(p, { prefillTokens: 4096, prefillContextTokens: 0, decodeSeqs: 0, decodeContextTokens: 0 });
  assert.ok(big.linearComputeSec > 10 * big.linearMemorySec);
  assert.ok(big.linearSec < big.linearComputeSec * 1.01);
});

test('per-sequence CPU work and fixed costs add up; the total is the sum of the terms', () => {
  const t = stepTerms(parts('l40s'), { prefillTokens: 512, prefillContextTokens: 0, prefillSeqs: 1, decodeSeqs: 40, decodeContextTokens: 40 * 1000 });
  assert.ok(near(t.perSeqSec, 41 * 20e-6));
  assert.ok(near(t.fixedSec, 1e-3 + 32 * 30e-6));
  assert.ok(near(t.totalSec, t.fixedSec + t.perSeqSec + t.linearSec + t.attentionSec + t.commSec));
});

test('tensor parallel: two ring all-reduces per layer over the GPUs\' link; PCIe costs more than NVLink', () => {
  const w = { prefillTokens: 0, prefillContextTokens: 0, decodeSeqs: 32, decodeContextTokens: 32 * 1000 };
  const nv = stepTerms(parts('a100-80g', 4), w);
  const pcie = stepTerms(parts('a100-80g-pcie', 4), w);
  const bytes = 32 * model.hidden * 2;
  const expected = (link: typeof LINKS.nvlink): number => 2 * model.layers * (link.latencySec + (2 * 3 / 4) * bytes / link.busBytesPerSec);
  assert.ok(near(nv.commSec, expected(LINKS.nvlink)));
  assert.ok(near(pcie.commSec, expected(LINKS.pcie)));
  assert.ok(pcie.commSec > 2 * nv.commSec);
  assert.equal(stepTerms(parts('a100-80g', 1), w).commSec, 0);
});

test('prefill interrupts decode: chunked beside the decodes, or (without chunked prefill) in steps every request waits for', () => {
  const spec = { gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm' as const, maxModelLen: 8192 };
  const chunked = buildReplicaModel(spec);
  const whole = buildReplicaModel({ ...spec, chunkedPrefill: false });
  const load = { concurrency: 32, promptTokens: 2000, outputTokens: 200 };
  const a = steadyState(chunked, load);
  const b = steadyState(whole, load);
  assert.ok(a.parts.chunkedPrefill && !b.parts.chunkedPrefill);
  assert.ok(a.parts.prefillPerTokenSec > 0 && b.parts.prefillPerTokenSec > a.parts.prefillPerTokenSec, `${a.parts.prefillPerTokenSec} vs ${b.parts.prefillPerTokenSec}`);
  assert.ok(near(a.itlSec, a.parts.decodeStepSec + a.parts.prefillPerTokenSec, 1e-9));
  // The simulator follows: without chunked prefill the decodes stall for whole prompts (ITL tail).
  const sim = (r: typeof chunked) => simulateFleet({
    replicas: [r], policy: leastLoaded(), modelName: 'm',
    workload: parseWorkload({ seed: 3, requests: 96, arrival: { concurrency: 16 }, prompt: 2000, output: 64 }, 'test'),
  });
  const sa = sim(chunked);
  const sb = sim(whole);
  assert.equal(sb.completed, 96);
  assert.ok(sb.itl.p99 > 1.5 * sa.itl.p99, `itl p99 chunked ${sa.itl.p99}, whole ${sb.itl.p99}`);
});

test('KV cache full: preemptions recompute running × output/2 tokens per round', () => {
  const r = buildReplicaModel({ gpu: 'rtx-3090', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm', maxModelLen: 8192 });
  const s = steadyState(r, { concurrency: 64, promptTokens: 4000, outputTokens: 1000 });
  assert.equal(s.limitedBy, 'kv_cache');
  assert.ok(s.parts.preemptionsPerRound > 0);
  assert.ok(near(s.parts.recomputeTokensPerRound, (s.running * 1000) / 2, 1e-9));
  const roomy = steadyState(r, { concurrency: 2, promptTokens: 4000, outputTokens: 1000 });
  assert.equal(roomy.parts.preemptionsPerRound, 0);
});
