// Model renaming in SSE events: every event's model field, whatever its position, counted per event.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countEvents, renameInEvents } from '../../src/protocol/sse.js';

const ev = (obj: unknown): string => `data: ${JSON.stringify(obj)}\n\n`;

describe('renameInEvents', () => {
  const from = Buffer.from('"model":"org/Big-Model"');
  const to = Buffer.from('"model":"big"');

  it('renames every event, keeps content, counts events (fast path and fallback)', () => {
    const hint = { offset: -1 };
    const text =
      ev({ id: 'a', model: 'org/Big-Model', choices: [{ delta: { content: 'x' } }] }) +
      ev({ id: 'a', model: 'org/Big-Model', choices: [{ delta: { content: 'yy' } }] }) +
      // a different field order: the fixed offset misses, the search finds it
      ev({ model: 'org/Big-Model', id: 'a', choices: [{ delta: { content: '"model":"org/Big-Model" in text' } }] }) +
      'data: [DONE]\n\n';
    const { buf, events } = renameInEvents(Buffer.from(text), from, to, hint);
    const out = buf.toString();
    assert.equal(events, 4);
    assert.equal(out.match(/"model":"big"/g)?.length, 3);
    assert.doesNotMatch(out, /"model":"org\/Big-Model"/);
    // Content quotes are escaped by JSON, so text that looks like the field is left alone.
    assert.match(out, /\\"model\\":\\"org\/Big-Model\\" in text/);
    assert.ok(hint.offset > 0);
    assert.equal(countEvents(Buffer.from(text)), 4);
  });

  it('returns the same buffer when there is nothing to rename', () => {
    const b = Buffer.from(ev({ model: 'other' }) + 'data: [DONE]\n\n');
    const r = renameInEvents(b, from, to, { offset: -1 });
    assert.equal(r.buf, b);
    assert.equal(r.events, 2);
  });
});
