import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getGpu, getModel, getQuant } from '../../src/catalog/index.js';
import { buildReplicaModel, GiB, kvBytesForContext, kvBytesPerToken, weightsBytes } from '../../src/perfmodel/index.js';
import { VLLM_MEMORY_EXAMPLE as V } from '../../src/perfmodel/reference-data.js';

test('Llama-3.1-8B KV cache is 128 KiB per token at fp16 (GQA: 8 KV heads, not 32)', () => {
  assert.equal(kvBytesPerToken(getModel('llama-3.1-8b')), 131072);
  // llama.cpp allocates 1024 MiB at n_ctx 8192 for Llama-3-8B.
  assert.equal(kvBytesForContext(getModel('llama-3-8b'), 8192), 1024 * 1024 ** 2);
});

test('weights at the quantization real bits per weight', () => {
  const m = getModel('llama-3.1-8b');
  assert.ok(Math.abs(weightsBytes(m, getQuant('bf16')) / GiB - V.weightsGiB) < 0.1);
  assert.ok(Math.abs(weightsBytes(m, getQuant('q4_k_m')) / 1e9 - 4.91) < 0.05);
  // AWQ leaves embeddings and head in 16 bits: heavier than 4.25 bits × all params.
  assert.ok(weightsBytes(m, getQuant('awq-int4')) > (m.params * 4.25) / 8 + 1.5e9);
});

test('vLLM memory example: KV blocks within 5% of vLLM own accounting (1952)', () => {
  const r = buildReplicaModel({
    gpu: V.gpu, gpus: 1, model: V.model, quant: V.quant, engine: 'vllm',
    gpuMemoryUtilization: V.gpuMemoryUtilization, maxModelLen: V.maxModelLen, maxBatchedTokens: V.maxModelLen,
  });
  assert.ok(Math.abs(r.kvBlocks / V.blocks - 1) < 0.05, `blocks ${r.kvBlocks}`);
  assert.equal(r.fits, true);
  assert.ok(r.memory.engine === 'vllm');
  const peak = (r.memory.detail.weightsBytes + r.memory.detail.activationBytes) / GiB;
  assert.ok(Math.abs(peak - V.peakTorchGiB) < 0.2, `peak torch ${peak}`);
});

test('sliding-window layers are capped at their window', () => {
  const g = getModel('gemma-2-9b');
  const perLayerToken = 2 * g.kvHeads * g.headDim * 2;
  assert.equal(kvBytesForContext(g, 8192), perLayerToken * (21 * 8192 + 21 * 4096));
  assert.equal(kvBytesForContext(g, 2048), kvBytesPerToken(g) * 2048);
});

test('70B at bf16 does not fit on one 80 GB GPU; at 4-bit it does', () => {
  const base = { gpu: 'h100-sxm', gpus: 1, model: 'llama-3.1-70b', maxModelLen: 8192 } as const;
  const bf16 = buildReplicaModel({ ...base, quant: 'bf16', engine: 'vllm' });
  assert.equal(bf16.fits, false);
  assert.match(bf16.notFitReason ?? '', /exceed/);
  assert.equal(buildReplicaModel({ ...base, quant: 'awq-int4', engine: 'vllm' }).fits, true);
  assert.equal(buildReplicaModel({ ...base, gpu: 'a100-80g', quant: 'q4_k_m', engine: 'llamacpp' }).fits, true);
  assert.equal(buildReplicaModel({ ...base, gpu: 'a100-80g', quant: 'bf16', engine: 'llamacpp' }).fits, false);
  // Tensor parallelism over two GPUs makes bf16 fit.
  assert.equal(buildReplicaModel({ ...base, gpus: 2, quant: 'bf16', engine: 'vllm' }).fits, true);
});

test('tensor parallelism splits KV heads: twice the GPUs, more than twice the blocks', () => {
  const one = buildReplicaModel({ gpu: 'l40s', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm', maxModelLen: 8192 });
  const two = buildReplicaModel({ gpu: 'l40s', gpus: 2, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm', maxModelLen: 8192 });
  assert.ok(two.kvBlocks > 2 * one.kvBlocks);
});

test('incompatible combinations are refused with a reason', () => {
  assert.throws(() => buildReplicaModel({ gpu: 'a100-80g', gpus: 1, model: 'llama-3.1-8b', quant: 'fp8', engine: 'vllm' }), /FP8 hardware/);
  assert.throws(() => buildReplicaModel({ gpu: 'l40s', gpus: 1, model: 'llama-3.1-8b', quant: 'awq-int4', engine: 'llamacpp' }), /does not run on engine/);
  assert.throws(() => buildReplicaModel({ gpu: 'm2-ultra', gpus: 1, model: 'llama-3.1-8b', quant: 'bf16', engine: 'vllm' }), /use llamacpp/);
  assert.ok(getGpu('m2-ultra').usableShare < 0.8);
});
