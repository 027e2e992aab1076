// The translating codecs on their own: engine chat chunks in, Responses / Messages events out,
// reasoning from <think> blocks or reasoning_content, tool calls in pieces, the fast text path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessagesEvents, messageHead } from '../../src/protocol/anthropic-encode.js';
import { readChunk } from '../../src/protocol/chat-chunk.js';
import { turnFromCompletion } from '../../src/protocol/chat-turn.js';
import { ResponsesEvents, responseFromTurn, responseHead } from '../../src/protocol/responses-encode.js';
import { splitThink } from '../../src/protocol/think-split.js';
import { summaryOf, TurnStream } from '../../src/protocol/turn-stream.js';

const ev = (delta: Record<string, unknown>, finish: string | null = null): Buffer =>
  Buffer.from(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`);
const usage = Buffer.from('data: {"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":5,"total_tokens":12}}\n\n');
const done = Buffer.from('data: [DONE]\n\n');

/** Events of an SSE text as [event name, data] pairs. */
function parse(text: string): [string, Record<string, unknown>][] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const [e, d] = block.split('\n');
      return [String(e).slice(7), JSON.parse(String(d).slice(6)) as Record<string, unknown>];
    });
}

function run(stream: TurnStream, chunks: Buffer[]): string {
  let out = '';
  for (const c of chunks) {
    const r = stream.push(c);
    if (r !== 'done') out += r;
  }
  return out + stream.end();
}

describe('translating codecs', () => {
  it('reads a content-only chunk without parsing it, escapes intact', () => {
    const view = readChunk(ev({ content: 'a "quoted" \\ line\n' }));
    assert.deepEqual(view, { kind: 'text', text: 'a \\"quoted\\" \\\\ line\\n' });
    assert.equal(readChunk(ev({ content: 'x' }, 'stop')).kind, 'json');
    assert.equal(readChunk(done).kind, 'done');
  });

  it('splits a leading <think> block into reasoning, across chunk borders', () => {
    assert.deepEqual(splitThink('<think>hmm</think>\n\nAnswer'), { reasoning: 'hmm', text: 'Answer' });
    assert.deepEqual(splitThink('No thoughts <think>'), { reasoning: '', text: 'No thoughts <think>' });
    const events = new ResponsesEvents(responseHead({}, 'm', false, true));
    const stream = new TurnStream(events);
    const out = parse(run(stream, [ev({ role: 'assistant', content: '' }), ev({ content: '<thi' }), ev({ content: 'nk>Let me' }), ev({ content: ' see</th' }), ev({ content: 'ink>\n\nIt is ' }), ev({ content: '42.' }), ev({}, 'stop'), usage, done]));
    const turn = stream.turn();
    assert.equal(turn.reasoning, 'Let me see');
    assert.equal(turn.text, 'It is 42.');
    const response = JSON.parse(events.finish(stream.summary()).responseJson) as Record<string, unknown>;
    const output = response.output as { type: string; content?: { text: string }[]; encrypted_content?: string }[];
    assert.deepEqual(output.map((o) => o.type), ['reasoning', 'message']);
    assert.equal(output[0]?.content?.[0]?.text, 'Let me see');
    assert.ok(output[0]?.encrypted_content, 'include reasoning.encrypted_content');
    assert.deepEqual(
      out.map(([e]) => e).filter((e, i, a) => e !== a[i - 1]),
      ['response.output_item.added', 'response.content_part.added', 'response.reasoning_text.delta', 'response.reasoning_text.done', 'response.content_part.done', 'response.output_item.done',
        'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done'],
    );
    assert.deepEqual((response.usage as { input_tokens: number }).input_tokens, 7);
  });

  it('takes reasoning_content and tool calls in pieces into Messages content blocks', () => {
    const head = messageHead('m', ['END']);
    const events = new MessagesEvents(head);
    const stream = new TurnStream(events);
    const out = parse(
      run(stream, [
        ev({ role: 'assistant', content: null, reasoning_content: 'Think' }),
        ev({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get', arguments: '' } }] }),
        ev({ tool_calls: [{ index: 0, function: { arguments: '{"a":' } }] }),
        ev({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
        ev({ tool_calls: [{ index: 1, id: 'call_2', type: 'function', function: { name: 'put', arguments: '{}' } }] }),
        ev({}, 'tool_calls'),
        done,
      ]),
    );
    const turn = stream.turn();
    assert.deepEqual(turn.toolCalls, [{ id: 'call_1', name: 'get', arguments: '{"a":1}' }, { id: 'call_2', name: 'put', arguments: '{}' }]);
    const starts = out.filter(([e]) => e === 'content_block_start').map(([, d]) => (d.content_block as { type: string }).type);
    assert.deepEqual(starts, ['thinking', 'tool_use', 'tool_use']);
    const partial = out.filter(([, d]) => (d.delta as { type?: string } | undefined)?.type === 'input_json_delta' && d.index === 1).map(([, d]) => (d.delta as { partial_json: string }).partial_json);
    assert.equal(partial.join(''), '{"a":1}');
    const fin = parse(events.finish(stream.summary()));
    assert.equal((fin[0]?.[1].delta as { stop_reason: string }).stop_reason, 'tool_use');
  });

  it('builds whole replies from a non-streamed completion, nothing lost', () => {
    const turn = turnFromCompletion({
      choices: [{ index: 0, message: { role: 'assistant', content: '<think>x</think>Hi', tool_calls: [{ id: 'c9', type: 'function', function: { name: 'f', arguments: 'not json' } }] }, finish_reason: 'stop', stop_reason: 'END' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
    const r = responseFromTurn(responseHead({ instructions: 'sys' }, 'm', true, false), turn);
    assert.deepEqual((r.output as { type: string }[]).map((o) => o.type), ['reasoning', 'message', 'function_call']);
    assert.equal(r.instructions, 'sys');
    const events = new MessagesEvents(messageHead('m', ['END']));
    const fin = parse(events.finish({ ...summaryOf(turn), toolCalls: 0 }));
    assert.deepEqual(fin[0]?.[1].delta, { stop_reason: 'stop_sequence', stop_sequence: 'END' });
  });
});
