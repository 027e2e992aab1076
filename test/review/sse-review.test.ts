// Review: SseSplitter on \r\n engines, and the Ollama codec's tool-result ids (unit level).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOllamaRequest } from '../../src/protocol/ollama-codec.js';
import { SseSplitter } from '../../src/protocol/sse.js';

function runSplitter(chunks: Buffer[]): string {
  const s = new SseSplitter();
  const out: Buffer[] = [];
  for (const c of chunks) {
    const w = s.push(c);
    if (w) out.push(w);
  }
  const r = s.rest();
  if (r) out.push(r);
  return Buffer.concat(out).toString('utf8');
}

describe('review: SseSplitter', () => {
  it('keeps a multi-byte character split across chunks intact on a \\r\\n engine', () => {
    const whole = Buffer.from('data: {"a":1}\r\n\r\ndata: {"c":"é"}\r\n\r\ndata: [DONE]\r\n\r\n');
    const at = whole.indexOf(Buffer.from('é')) + 1; // split inside the 2-byte é
    const got = runSplitter([whole.subarray(0, at), whole.subarray(at)]);
    assert.equal(got, 'data: {"a":1}\n\ndata: {"c":"é"}\n\ndata: [DONE]\n\n');
  });

  it('finds events of a \\r\\n engine whose first chunk holds no \\r yet', () => {
    const s = new SseSplitter();
    assert.equal(s.push(Buffer.from('data: {"a":1}')), undefined);
    const w = s.push(Buffer.from('\r\n\r\ndata: {"a":2}\r\n\r\n'));
    assert.ok(w, 'no event found: the stream is decided to be \\n-only from a first chunk without \\r');
  });
});

describe('review: Ollama tool results', () => {
  it('gives each tool result the id of the call it answers (parallel tool calls)', () => {
    const { request } = parseOllamaRequest(
      'chat',
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'weather in Paris and Rome?' },
          { role: 'assistant', content: '', tool_calls: [{ function: { name: 'w', arguments: { city: 'Paris' } } }, { function: { name: 'w', arguments: { city: 'Rome' } } }] },
          { role: 'tool', content: '20C' },
          { role: 'tool', content: '25C' },
        ],
      },
      { id: 'r', arrivedAt: 0 },
      (n) => n,
    );
    const msgs = request.body.messages as { role: string; tool_call_id?: string }[];
    const ids = msgs.filter((m) => m.role === 'tool').map((m) => m.tool_call_id);
    assert.deepEqual(ids, ['call_0', 'call_1']);
  });
});
