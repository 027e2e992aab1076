// relais-demo renders tools (issue 11, item 23): a client's first tool request through the gateway is
// served (200) on every API family, with the official clients; the random model's answer is text or
// a call, and a call's result goes back in the next turn.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { configSchema } from '../../src/config/schema.js';
import { Gateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import { tempModelsDir } from './helpers.js';

const weather: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 8 } }, required: ['city'] } } },
];

describe('relais-demo with tools, through the gateway (real llama.cpp, official clients)', () => {
  let cleanup: () => Promise<void>;
  let gateway: Gateway;
  let openai: OpenAI;
  let ollama: Ollama;
  let base: string;

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempModelsDir());
    const config = configSchema.parse({
      log_level: 'error',
      backends: { local: { kind: 'embedded', models_dir: dir, parallel: 2, queue: 4, context: 2048, threads: 1 } },
      models: [{ name: 'relais-demo', deployments: [{ backend: 'local', model: 'relais-demo' }] }],
    });
    gateway = await Gateway.create(config, { log: createLogger('error') });
    base = `http://127.0.0.1:${(await gateway.listen('127.0.0.1', 0)).port}`;
    openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
    ollama = new Ollama({ host: base });
  });
  after(async () => {
    await gateway.close(1000);
    await cleanup();
  });

  it('chat completions with tools: 200, streamed or not, and the tool result round trip', async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const plain = await openai.chat.completions.create({ model: 'relais-demo', messages, max_tokens: 8, seed: 1 });
    const r = await openai.chat.completions.create({ model: 'relais-demo', messages, tools: weather, max_tokens: 24, seed: 1 });
    const choice = r.choices[0];
    assert.ok(choice);
    assert.ok(['stop', 'length', 'tool_calls'].includes(choice.finish_reason), choice.finish_reason);
    // The definitions reached the prompt through the template.
    assert.ok((r.usage?.prompt_tokens ?? 0) > (plain.usage?.prompt_tokens ?? 0) + 50, `${r.usage?.prompt_tokens} vs ${plain.usage?.prompt_tokens}`);
    for (const call of choice.message.tool_calls ?? []) {
      assert.equal(call.type === 'function' && call.function.name, 'get_weather');
    }

    const stream = await openai.chat.completions.create({ model: 'relais-demo', messages, tools: weather, tool_choice: 'auto', max_tokens: 16, seed: 2, stream: true });
    let finish: string | null | undefined;
    for await (const chunk of stream) finish = chunk.choices[0]?.finish_reason ?? finish;
    assert.ok(finish === 'stop' || finish === 'length' || finish === 'tool_calls', String(finish));

    const next = await openai.chat.completions.create({
      model: 'relais-demo',
      tools: weather,
      max_tokens: 8,
      messages: [
        ...messages,
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp_c": 21}' },
      ],
    });
    assert.equal(next.choices[0]?.message.role, 'assistant');
    assert.ok((next.usage?.prompt_tokens ?? 0) > (r.usage?.prompt_tokens ?? 0), 'the call and its result are in the prompt');
  });

  it("tool_choice 'required' or a named function forces a call whose arguments parse against the schema", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const time: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string', enum: ['UTC', 'CET'] } }, required: ['zone'] } } };
    for (const seed of [1, 2, 3]) {
      const r = await openai.chat.completions.create({ model: 'relais-demo', messages, tools: weather, tool_choice: 'required', max_tokens: 64, seed });
      assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
      const call = r.choices[0]?.message.tool_calls?.[0];
      assert.ok(call && call.type === 'function', JSON.stringify(r.choices[0]));
      assert.equal(call.function.name, 'get_weather');
      const args = JSON.parse(call.function.arguments) as { city?: unknown };
      assert.ok(typeof args.city === 'string' && args.city.length <= 8, call.function.arguments);
    }
    const named = await openai.chat.completions.create({ model: 'relais-demo', messages, tools: [...weather, time], tool_choice: { type: 'function', function: { name: 'get_time' } }, max_tokens: 64 });
    const call = named.choices[0]?.message.tool_calls?.[0];
    assert.ok(call && call.type === 'function');
    assert.equal(call.function.name, 'get_time');
    assert.ok(['UTC', 'CET'].includes((JSON.parse(call.function.arguments) as { zone: string }).zone), call.function.arguments);
    // Streamed: the call arrives as a tool_calls delta.
    const stream = await openai.chat.completions.create({ model: 'relais-demo', messages, tools: weather, tool_choice: 'required', max_tokens: 64, stream: true });
    let name = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      name += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(name, 'get_weather');
    assert.equal(finish, 'tool_calls');
    await assert.rejects(
      openai.chat.completions.create({ model: 'relais-demo', messages, tools: weather, tool_choice: { type: 'function', function: { name: 'nope' } } }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 400 && err.param === 'tool_choice',
    );
  });

  it('Responses and Messages with function tools, Ollama /api/chat with tools: 200', async () => {
    const resp = await openai.responses.create({
      model: 'relais-demo',
      input: 'Weather in Paris?',
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 8 } }, required: ['city'] }, strict: false }],
      max_output_tokens: 16,
      store: false,
    });
    assert.equal(resp.status === 'completed' || resp.status === 'incomplete', true, String(resp.status));

    const messages = await fetch(`${base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({
        model: 'relais-demo', max_tokens: 64, messages: [{ role: 'user', content: 'Weather in Paris?' }],
        tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string', maxLength: 8 } }, required: ['city'] } }],
        tool_choice: { type: 'any' },
      }),
    });
    assert.equal(messages.status, 200, await messages.clone().text());
    const m = (await messages.json()) as { type: string; stop_reason: string; content: { type: string; name?: string }[] };
    assert.equal(m.type, 'message');
    assert.equal(m.stop_reason, 'tool_use');
    assert.equal(m.content.find((b) => b.type === 'tool_use')?.name, 'get_weather');

    const o = await ollama.chat({ model: 'relais-demo', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: weather as never, options: { num_predict: 16 } });
    assert.equal(o.message.role, 'assistant');
    const show = await ollama.show({ model: 'relais-demo' });
    assert.ok((show as unknown as { capabilities: string[] }).capabilities.includes('tools'), 'Ollama clients see that the demo takes tools');
  });
});
