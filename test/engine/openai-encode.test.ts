import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chatChunkJson, completionChunkJson, sse, textEventEncoder } from '../../src/engine/openai-encode.js';

describe('per-token SSE encoder', () => {
  it('produces exactly the event a full JSON encoding would', () => {
    const h = { id: 'chatcmpl-1', model: 'm', created: 1 };
    for (const t of ['a', 'he said "hi"\n', '\u0000text\u0000', 'é ✓', '']) {
      assert.equal(textEventEncoder(h, true)(t), sse(chatChunkJson(h, { content: t }, null)));
      assert.equal(textEventEncoder(h, false)(t), sse(completionChunkJson(h, t, null)));
    }
  });
});
