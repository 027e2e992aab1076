// The Responses and Messages APIs over the embedded engine (real llama.cpp, tiny generated models),
// through a real gateway process, with the official openai, @anthropic-ai/sdk and AI SDK clients.
// 'caller' renders tools with a Hermes-style template and always starts a tool call.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import { generateTinyModel } from '../../src/engine/tiny-model.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { tempModelsDir, TOOLS_TEMPLATE } from './helpers.js';

const city = { type: 'object', properties: { city: { type: 'string', maxLength: 10 } }, required: ['city'] };

describe('Responses and Messages over the embedded engine', () => {
  let gw: GatewayProcess;
  let cleanup: () => Promise<void>;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempModelsDir());
    await writeFile(join(dir, 'caller.gguf'), generateTinyModel({ chatTemplate: TOOLS_TEMPLATE, endBias: 2, extraTokens: [{ text: '<tool_call>{"name": "', bias: 14 }] }));
    gw = await startGateway(`
backends:
  local: { kind: embedded, models_dir: ${dir}, threads: 1, parallel: 2, context: 2048 }
models:
  - name: relais-demo
    deployments: [ { backend: local, model: relais-demo } ]
  - name: caller
    deployments: [ { backend: local, model: caller } ]
aliases:
  "claude-*": relais-demo
`);
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.stop();
    await cleanup();
  });

  it('responses.create and responses.stream give the same answer shape and usage', async () => {
    const r = await openai.responses.create({ model: 'relais-demo', input: 'Hello!', max_output_tokens: 8, temperature: 0 });
    assert.ok(['completed', 'incomplete'].includes(r.status ?? ''));
    assert.ok((r.usage?.output_tokens ?? 0) >= 1 && (r.usage?.output_tokens ?? 0) <= 8);
    const s = openai.responses.stream({ model: 'relais-demo', input: 'Hello!', max_output_tokens: 8, temperature: 0 });
    const seen = new Set<string>();
    for await (const ev of s) seen.add(ev.type);
    const final = await s.finalResponse();
    assert.equal(final.output_text, r.output_text);
    assert.equal(final.usage?.input_tokens, r.usage?.input_tokens);
    for (const t of ['response.created', 'response.output_item.added', 'response.output_item.done']) assert.ok(seen.has(t), t);
    assert.ok(seen.has('response.completed') || seen.has('response.incomplete'));
  });

  it('previous_response_id and text.format json_schema (grammar) on the real engine', async () => {
    const one = await openai.responses.create({ model: 'relais-demo', input: 'One.', max_output_tokens: 4 });
    const two = await openai.responses.create({ model: 'relais-demo', input: 'Two.', previous_response_id: one.id, max_output_tokens: 4 });
    assert.ok((two.usage?.input_tokens ?? 0) > (one.usage?.input_tokens ?? 0));
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };
    const j = await openai.responses.create({ model: 'relais-demo', input: 'JSON please', max_output_tokens: 40, text: { format: { type: 'json_schema', name: 'o', schema, strict: true } } });
    assert.equal(typeof (JSON.parse(j.output_text) as { ok: unknown }).ok, 'boolean');
  });

  it('a function call round trip with a template that renders tools', async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', parameters: city, strict: false }];
    const first = await openai.responses.create({ model: 'caller', input: 'Weather in Paris?', tools, max_output_tokens: 100 });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call', JSON.stringify(first.output));
    assert.equal(call.name, 'get_weather');
    assert.equal(typeof (JSON.parse(call.arguments) as { city?: unknown }).city, 'string');
    const second = await openai.responses.create({ model: 'caller', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: call.call_id, output: '{"temp":21}' }], tools, max_output_tokens: 100 });
    assert.ok((second.usage?.input_tokens ?? 0) > (first.usage?.input_tokens ?? 0));
  });

  it('messages.create, messages.stream, tool_use → tool_result and countTokens', async () => {
    const m = await anthropic.messages.create({ model: 'claude-relais', max_tokens: 8, messages: [{ role: 'user', content: 'Hello' }] });
    assert.equal(m.type, 'message');
    assert.ok(['end_turn', 'max_tokens'].includes(m.stop_reason ?? ''));
    const s = anthropic.messages.stream({ model: 'claude-relais', max_tokens: 8, messages: [{ role: 'user', content: 'Hello' }] });
    const final = await s.finalMessage();
    assert.equal(final.usage.input_tokens, m.usage.input_tokens);
    const tools: Anthropic.Tool[] = [{ name: 'get_weather', input_schema: city as Anthropic.Tool.InputSchema }];
    const q: Anthropic.MessageParam = { role: 'user', content: 'Weather in Paris?' };
    const use = await anthropic.messages.create({ model: 'caller', max_tokens: 100, tools, messages: [q] });
    assert.equal(use.stop_reason, 'tool_use');
    const block = use.content.find((b) => b.type === 'tool_use');
    assert.ok(block && block.type === 'tool_use');
    const answer = await anthropic.messages.create({
      model: 'caller',
      max_tokens: 100,
      tools,
      messages: [q, { role: 'assistant', content: use.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: block.id, content: '21 degrees' }] }],
    });
    assert.ok(answer.usage.input_tokens > use.usage.input_tokens);
    // The engine's own tokenizer and template: the count generation reports.
    const { data, response } = await anthropic.messages.countTokens({ model: 'claude-relais', messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
    assert.equal(response.headers.get('x-relais-token-count'), 'engine');
    assert.equal(data.input_tokens, m.usage.input_tokens);
  });

  it('the AI SDK providers over the embedded engine', async () => {
    const oai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused' });
    const ant = createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: 'unused' });
    for (const model of [oai('relais-demo'), ant('claude-relais')]) {
      const g = await generateText({ model, prompt: 'Hello', maxOutputTokens: 6 });
      assert.ok((g.usage.outputTokens ?? 0) >= 1);
      const s = streamText({ model, prompt: 'Hello', maxOutputTokens: 6 });
      let text = '';
      for await (const t of s.textStream) text += t;
      assert.equal(text, await s.text);
    }
  });

  it('rerank on an engine without it: a clear 404 naming the model', async () => {
    const r = await fetch(`${gw.url}/v1/rerank`, { method: 'POST', body: JSON.stringify({ model: 'relais-demo', query: 'q', documents: ['a'] }) });
    assert.equal(r.status, 404);
    const body = (await r.json()) as { error: { code: string; param: string; message: string } };
    assert.equal(body.error.param, 'model');
    assert.match(body.error.message, /rerank/);
  });
});
