// Tools on a model whose chat template renders them (a Hermes/Qwen-style template on the tiny model).
// Random weights never emit a tool call, so this checks the request side: definitions and results reach the prompt.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EmbeddedBackend } from '../../src/backends/embedded.js';
import { generateTinyModel } from '../../src/engine/tiny-model.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { at, call, parseSse, readJson, readText, send, tempModelsDir, testBackend, TOOLS_TEMPLATE, user } from './helpers.js';

const never = new AbortController().signal;
const weather = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

describe('tools (real llama.cpp)', () => {
  let cleanup: () => Promise<void>;
  let backend: EmbeddedBackend;
  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempModelsDir());
    await writeFile(join(dir, 'toolie.gguf'), generateTinyModel({ chatTemplate: TOOLS_TEMPLATE, endBias: -8 }));
    // A model that starts every reply with the tool-call prefix (one token with a large output bias):
    // node-llama-cpp then generates the call under a grammar, so random weights make a valid call.
    await writeFile(join(dir, 'caller.gguf'), generateTinyModel({ chatTemplate: TOOLS_TEMPLATE, endBias: 2, extraTokens: [{ text: '<tool_call>{"name": "', bias: 14 }] }));
    backend = testBackend(dir);
  });
  after(async () => {
    await backend.close();
    await cleanup();
  });

  const chat = async (body: JsonObject): Promise<JsonObject> => {
    const reply = await send(backend, call('chat', { model: 'toolie', max_tokens: 8, seed: 1, ...body }), never);
    assert.equal(reply.status, 200);
    return readJson(reply);
  };
  const promptTokens = (b: JsonObject): number => Number(at(b, 'usage', 'prompt_tokens'));

  it('renders tool definitions and tool results into the prompt of a template that supports them', async () => {
    const plain = await chat({ messages: user('Weather in Paris?') });
    const withTools = await chat({ messages: user('Weather in Paris?'), tools: weather });
    assert.ok(promptTokens(withTools) > promptTokens(plain) + 50, `${promptTokens(withTools)} vs ${promptTokens(plain)}`);
    const withResult = await chat({
      messages: [
        ...user('Weather in Paris?'),
        { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'c1', content: '{"temp": 21}' },
      ],
      tools: weather,
    });
    assert.ok(promptTokens(withResult) > promptTokens(withTools));
    assert.equal(at(withResult, 'choices', 0, 'message', 'role'), 'assistant');
    // tool_choice none: the tools are left out.
    const none = await chat({ messages: user('Weather in Paris?'), tools: weather, tool_choice: 'none' });
    assert.equal(promptTokens(none), promptTokens(plain));
  });

  it('returns the calls a model makes as tool_calls, streaming or not, and takes their results back', async () => {
    // maxLength keeps the random city name short enough to finish within max_tokens.
    const shortCity = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 10 } }, required: ['city'] } } }];
    const body = { model: 'caller', messages: user('Weather in Paris?'), max_tokens: 100, seed: 1, tools: shortCity };
    const r = await chat(body);
    assert.equal(at(r, 'choices', 0, 'finish_reason'), 'tool_calls');
    const calls = at(r, 'choices', 0, 'message', 'tool_calls') as Array<{ id: string; type: string; function: { name: string; arguments: string } }>;
    assert.ok(calls.length >= 1);
    for (const c of calls) {
      assert.match(c.id, /^call_[0-9a-f]{24}$/);
      assert.equal(c.type, 'function');
      assert.equal(c.function.name, 'get_weather');
      const args = JSON.parse(c.function.arguments) as { city?: unknown };
      assert.equal(typeof args.city, 'string');
    }
    const streamed = await send(backend, call('chat', { ...body, stream: true, stream_options: { include_usage: true } }));
    const { events, done } = parseSse(await readText(streamed));
    assert.ok(done);
    const deltaCalls = events.flatMap((e) => (at(e, 'choices', 0, 'delta', 'tool_calls') as unknown[] | undefined) ?? []);
    assert.deepEqual(
      deltaCalls.map((c) => at(c, 'function', 'arguments')),
      calls.map((c) => c.function.arguments),
    );
    assert.equal(at(events[events.length - 2], 'choices', 0, 'finish_reason'), 'tool_calls');
    assert.deepEqual(at(events[events.length - 1], 'usage', 'completion_tokens'), at(r, 'usage', 'completion_tokens'));
    // parallel_tool_calls: false allows one call per reply.
    const single = await chat({ ...body, parallel_tool_calls: false });
    assert.equal((at(single, 'choices', 0, 'message', 'tool_calls') as unknown[]).length, 1);
    const first = calls[0];
    assert.ok(first);
    const answered = await chat({
      model: 'toolie',
      messages: [...user('Weather in Paris?'), { role: 'assistant', content: null, tool_calls: [first] }, { role: 'tool', tool_call_id: first.id, content: '{"temp": 21}' }],
      tools: weather,
    });
    assert.equal(at(answered, 'choices', 0, 'message', 'role'), 'assistant');
  });

  it("forces a call with tool_choice 'required' (even on a model that never starts one), and refuses a choice it cannot honour", async () => {
    const short = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 6 } }, required: ['city'] } } }];
    const forced = await chat({ messages: user('Weather in Paris?'), tools: short, tool_choice: 'required', max_tokens: 64 });
    assert.equal(at(forced, 'choices', 0, 'finish_reason'), 'tool_calls');
    assert.equal(at(forced, 'choices', 0, 'message', 'tool_calls', 0, 'function', 'name'), 'get_weather');
    const args = JSON.parse(String(at(forced, 'choices', 0, 'message', 'tool_calls', 0, 'function', 'arguments'))) as { city: string };
    assert.ok(typeof args.city === 'string' && args.city.length <= 6);
    for (const tool_choice of ['required', { type: 'function', function: { name: 'nope' } }, 'sometimes']) {
      const reply = await send(backend, call('chat', { model: 'toolie', messages: user('x'), ...(tool_choice === 'required' ? {} : { tools: weather }), tool_choice }), never);
      assert.equal(reply.status, 400);
      assert.equal(at(await readJson(reply), 'error', 'param'), 'tool_choice');
    }
  });

  it('rejects a tool message that answers no earlier call', async () => {
    const reply = await send(backend, call('chat', { model: 'toolie', messages: [...user('x'), { role: 'tool', tool_call_id: 'nope', content: '1' }], tools: weather }), never);
    assert.equal(reply.status, 400);
    assert.equal(at(await readJson(reply), 'error', 'param'), 'messages[1].tool_call_id');
  });
});
