import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGguf, type GgufWriteTensor } from '../../src/engine/gguf-writer.js';
import { kvBytesForContext, kvBytesPerToken } from '../../src/perfmodel/index.js';
import { modelFromHfConfig, quantFromHfConfig, readHfConfig } from '../../src/plan/hf-config.js';
import { readGgufModel } from '../../src/plan/gguf-file.js';

const llama31_8b = {
  _name_or_path: 'meta-llama/Llama-3.1-8B-Instruct', model_type: 'llama', num_hidden_layers: 32, hidden_size: 4096,
  num_attention_heads: 32, num_key_value_heads: 8, intermediate_size: 14336, vocab_size: 128256,
  max_position_embeddings: 131072, tie_word_embeddings: false, torch_dtype: 'bfloat16',
};

test('config.json of Llama-3.1-8B gives 8.03B params and 128 KiB KV per token', () => {
  const m = modelFromHfConfig(llama31_8b);
  assert.ok(Math.abs(m.params / 8.03e9 - 1) < 0.005, `${m.params}`);
  assert.equal(m.headDim, 128);
  assert.equal(kvBytesPerToken(m), 131072);
  assert.equal(quantFromHfConfig(llama31_8b), undefined);
  assert.equal(quantFromHfConfig({ ...llama31_8b, quantization_config: { quant_method: 'awq', bits: 4 } }), 'awq-int4');
});

test('config.json of Mixtral-8x7B gives ≈46.7B total and ≈12.9B active parameters', () => {
  const m = modelFromHfConfig({
    model_type: 'mixtral', num_hidden_layers: 32, hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 8,
    intermediate_size: 14336, vocab_size: 32000, num_local_experts: 8, num_experts_per_tok: 2, max_position_embeddings: 32768,
  });
  assert.ok(Math.abs(m.params / 46.7e9 - 1) < 0.01, `${m.params}`);
  assert.ok(Math.abs(m.activeParams / 12.9e9 - 1) < 0.01, `${m.activeParams}`);
});

test('config.json of Gemma-2-9B: alternating sliding window capped, tied embeddings', () => {
  const m = modelFromHfConfig({
    model_type: 'gemma2', num_hidden_layers: 42, hidden_size: 3584, num_attention_heads: 16, num_key_value_heads: 8, head_dim: 256,
    intermediate_size: 14336, vocab_size: 256000, max_position_embeddings: 8192, sliding_window: 4096, tie_word_embeddings: true,
  });
  assert.equal(m.slidingLayers, 21);
  assert.equal(kvBytesPerToken(m), 344064);
  assert.ok(kvBytesForContext(m, 8192) < kvBytesPerToken(m) * 8192);
  assert.ok(Math.abs(m.params / 9.24e9 - 1) < 0.02, `${m.params}`);
});

test('a config.json missing a size field is rejected with the field named', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relais-plan-'));
  try {
    const f = join(dir, 'config.json');
    await writeFile(f, JSON.stringify({ hidden_size: 64 }));
    await assert.rejects(readHfConfig(f), /missing 'num_hidden_layers'/);
    await writeFile(f, JSON.stringify(llama31_8b));
    assert.equal((await readHfConfig(f)).model.layers, 32);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('a GGUF header gives the architecture, parameter count and real bits per weight', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relais-plan-'));
  try {
    const hidden = 64, layers = 2, ffn = 128, vocab = 100, kvDim = 32;
    const f16 = (name: string, dims: number[]): GgufWriteTensor => ({ name, dims, type: 1, data: new Uint8Array(dims.reduce((a, b) => a * b, 1) * 2) });
    const tensors = [f16('token_embd.weight', [hidden, vocab]), f16('output.weight', [hidden, vocab])];
    for (let i = 0; i < layers; i++) {
      tensors.push(
        f16(`blk.${i}.attn_q.weight`, [hidden, hidden]), f16(`blk.${i}.attn_k.weight`, [hidden, kvDim]), f16(`blk.${i}.attn_v.weight`, [hidden, kvDim]),
        f16(`blk.${i}.attn_output.weight`, [hidden, hidden]), f16(`blk.${i}.ffn_gate.weight`, [hidden, ffn]),
        f16(`blk.${i}.ffn_up.weight`, [hidden, ffn]), f16(`blk.${i}.ffn_down.weight`, [ffn, hidden]),
      );
    }
    const buf = writeGguf([
      ['general.architecture', { type: 'string', value: 'llama' }], ['general.name', { type: 'string', value: 'Tiny Test' }],
      ['general.file_type', { type: 'u32', value: 1 }], ['llama.block_count', { type: 'u32', value: layers }],
      ['llama.embedding_length', { type: 'u32', value: hidden }], ['llama.feed_forward_length', { type: 'u32', value: ffn }],
      ['llama.attention.head_count', { type: 'u32', value: 4 }], ['llama.attention.head_count_kv', { type: 'u32', value: 2 }],
      ['llama.context_length', { type: 'u32', value: 2048 }],
      ['tokenizer.ggml.tokens', { type: 'string[]', value: Array.from({ length: vocab }, (_, i) => `t${i}`) }],
    ], tensors);
    const file = join(dir, 'tiny.gguf');
    await writeFile(file, buf);
    const { model, quant } = await readGgufModel(file);
    assert.equal(model.layers, 2);
    assert.equal(model.headDim, 16);
    assert.equal(model.vocab, vocab);
    assert.equal(model.tiedEmbeddings, false);
    assert.equal(model.params, 2 * hidden * vocab + layers * (2 * hidden * hidden + 2 * hidden * kvDim + 3 * hidden * ffn));
    assert.equal(quant.id, 'f16');
    assert.equal(quant.bitsPerWeight, 16);
    assert.equal(kvBytesPerToken(model), 2 * 2 * 2 * 16 * 2);
  } finally {
    await rm(dir, { recursive: true });
  }
});
