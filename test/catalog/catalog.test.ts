import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GPUS, MODELS, QUANTS, getGpu, getModel, getQuant, UnknownIdError } from '../../src/catalog/index.js';
import { kvBytesPerToken } from '../../src/perfmodel/index.js';

test('every catalog entry has a unique id and names its source', () => {
  for (const list of [GPUS, MODELS, QUANTS] as const) {
    const ids = list.map((x) => x.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const x of list) assert.ok(x.source.length > 3, `${x.id} has no source`);
  }
});

test('KV bytes per token at fp16 match the reference table for every listed model', () => {
  const expected: Record<string, number> = {
    'llama-3.1-8b': 131072, 'llama-3.1-70b': 327680, 'mistral-7b-v0.3': 131072, 'mixtral-8x7b': 131072,
    'mixtral-8x22b': 229376, 'qwen2.5-coder-7b': 57344, 'qwen2.5-coder-14b': 196608, 'qwen2.5-coder-32b': 262144,
    'qwen2.5-0.5b': 12288, 'codestral-22b': 229376, 'phi-3-medium-4k': 204800, 'gemma-2-9b': 344064,
  };
  for (const [id, bytes] of Object.entries(expected)) assert.equal(kvBytesPerToken(getModel(id)), bytes, id);
});

test('unknown ids are rejected with the list of known ones; lookups ignore case', () => {
  assert.throws(() => getGpu('rtx-9999'), (e: unknown) => e instanceof UnknownIdError && /known: .*h100-sxm/.test(e.message));
  assert.throws(() => getModel('llama-9'), /unknown model 'llama-9'; known: .*llama-3\.1-8b/);
  assert.throws(() => getQuant('q1'), /unknown quantization/);
  assert.equal(getQuant('Q4_K_M').bitsPerWeight, 4.89);
});

test('values that could not be confirmed are flagged', () => {
  assert.ok(getGpu('rtx-3090').unverified?.includes('tdpW'));
  assert.ok(getModel('codestral-22b').unverified?.includes('ffn'));
});
