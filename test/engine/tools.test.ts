// Tools on a model whose chat template renders them (a Hermes/Qwen-style template on the tiny model).
// Random weights never emit a tool call, so this checks the request side: definitions and results reach the prompt.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EmbeddedBackend } from '../../src/backends/embedded.js';
import { generateTinyModel } from '../../src/engine/tiny-model.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { at, call, send, readJson, tempModelsDir, testBackend, user } from './helpers.js';

const TOOLS_TEMPLATE =
  "{%- if tools %}{{- '<|im_start|>system\\n# Tools\\n<tools>' }}{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}" +
  "{{- '\\n</tools>\\nTo call a function answer <tool_call>{\"name\": <function-name>, \"arguments\": <args-json-object>}</tool_call><|im_end|>\\n' }}{%- endif %}" +
  "{%- for message in messages %}{%- if message.role == 'tool' %}{{- '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' }}" +
  "{%- elif message.role == 'assistant' and message.tool_calls %}{{- '<|im_start|>assistant\\n' }}{%- for tc in message.tool_calls %}" +
  "{{- '<tool_call>{\"name\": \"' + tc.function.name + '\", \"arguments\": ' + (tc.function.arguments | tojson) + '}</tool_call>' }}{%- endfor %}{{- '<|im_end|>\\n' }}" +
  "{%- else %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

const never = new AbortController().signal;
const weather = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

describe('tools (real llama.cpp)', () => {
  let cleanup: () => Promise<void>;
  let backend: EmbeddedBackend;
  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempModelsDir());
    await writeFile(join(dir, 'toolie.gguf'), generateTinyModel({ chatTemplate: TOOLS_TEMPLATE, endBias: -8 }));
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

  it('rejects a tool message that answers no earlier call', async () => {
    const reply = await send(backend, call('chat', { model: 'toolie', messages: [...user('x'), { role: 'tool', tool_call_id: 'nope', content: '1' }], tools: weather }), never);
    assert.equal(reply.status, 400);
    assert.equal(at(await readJson(reply), 'error', 'param'), 'messages[1].tool_call_id');
  });
});
