// The agent-era APIs end to end: the official openai (Responses), @anthropic-ai/sdk (Messages) and AI
// SDK clients against a real gateway process in front of the simulator, which answers tool calls and
// JSON schemas for real. Usage records are read back from the gateway's SQLite store.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import Anthropic from '@anthropic-ai/sdk';
import { generateText, streamText } from 'ai';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { createKey } from '../support/admin-keys.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

const MASTER = 'mk-agents';
const weatherTool = { type: 'object', properties: { city: { type: 'string', maxLength: 12 }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city', 'days'], additionalProperties: false };

describe('Responses, Messages and rerank over the simulator (official clients)', () => {
  let sim: SimFleet;
  let gw: GatewayProcess;
  let openai: OpenAI;
  let anthropic: Anthropic;

  before(async () => {
    sim = await startSimFleet({ replicas: 1, gpu: 'a100-80g', model: 'llama-3.1-8b', servedModelName: 'sim-coder', speed: 20, outputLen: 'normal:24:4', toolCallRate: 0, seed: 3 });
    gw = await startGateway(`
master_key: ${MASTER}
health: { interval_ms: 60000 }
backends:
  sim: { kind: vllm, url: ${sim.urls[0]} }
models:
  - name: coder
    deployments: [ { backend: sim, model: sim-coder } ]
    price: { input: 1, output: 2 }
aliases:
  "claude-*": coder
`);
    openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER, maxRetries: 0 });
    anthropic = new Anthropic({ baseURL: gw.url, apiKey: MASTER, maxRetries: 0 });
  });
  after(async () => {
    await gw.stop();
    await sim.close();
  });

  it('responses.create answers with a message, usage and the served model', async () => {
    const r = await openai.responses.create({ model: 'coder', instructions: 'Be brief.', input: 'Say hello.', max_output_tokens: 6 });
    assert.equal(r.object, 'response');
    assert.match(r.id, /^resp_/);
    assert.equal(r.status, 'incomplete');
    assert.equal(r.incomplete_details?.reason, 'max_output_tokens');
    assert.equal(r.model, 'coder');
    assert.ok(r.output_text.length > 0);
    assert.equal(r.usage?.output_tokens, 6);
    assert.ok((r.usage?.input_tokens ?? 0) > 0);
  });

  it('responses.stream sends the event sequence with increasing sequence numbers', async () => {
    const stream = openai.responses.stream({ model: 'coder', input: 'Count.' });
    const types: string[] = [];
    const seqs: number[] = [];
    let text = '';
    for await (const ev of stream) {
      types.push(ev.type);
      seqs.push(ev.sequence_number);
      if (ev.type === 'response.output_text.delta') text += ev.delta;
    }
    const final = await stream.finalResponse();
    const distinct = types.filter((t, i) => t !== types[i - 1]);
    assert.deepEqual(distinct, [
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed',
    ]);
    assert.deepEqual(seqs, seqs.map((_, i) => i));
    assert.equal(final.output_text, text);
    assert.equal(final.status, 'completed');
    assert.ok((final.usage?.output_tokens ?? 0) > 0);
  });

  it('a function call round trip: function_call out, function_call_output back (stored and stateless)', async () => {
    const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', description: 'Weather forecast', parameters: weatherTool, strict: true }];
    const first = await openai.responses.create({ model: 'coder', input: 'Weather in Paris?', tools, tool_choice: 'required' });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    const args = JSON.parse(call.arguments) as { city: string; days: number };
    assert.equal(typeof args.city, 'string');
    assert.ok(args.city.length <= 12);
    assert.ok(Number.isInteger(args.days) && args.days >= 1 && args.days <= 7);
    const output = { type: 'function_call_output' as const, call_id: call.call_id, output: '{"temp":21}' };
    // Continued from the stored response.
    const second = await openai.responses.create({ model: 'coder', previous_response_id: first.id, input: [output], tools, max_output_tokens: 5 });
    assert.equal(second.previous_response_id, first.id);
    assert.ok(second.output_text.length > 0);
    // Stateless (Codex): the whole history, nothing stored, reasoning returned encrypted.
    const stateless = await openai.responses.create({
      model: 'coder',
      store: false,
      include: ['reasoning.encrypted_content'],
      input: [{ role: 'user', content: 'Weather in Paris?' }, { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments }, output],
      tools,
      max_output_tokens: 5,
    });
    assert.equal((stateless as unknown as { store: boolean }).store, false);
    assert.equal(stateless.usage?.input_tokens, second.usage?.input_tokens);
    await assert.rejects(openai.responses.retrieve(stateless.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    // The streamed call: arguments as deltas, then done with the whole arguments.
    const s = openai.responses.stream({ model: 'coder', input: 'Weather?', tools, tool_choice: { type: 'function', name: 'get_weather' } });
    let deltas = '';
    let done = '';
    for await (const ev of s) {
      if (ev.type === 'response.function_call_arguments.delta') deltas += ev.delta;
      if (ev.type === 'response.function_call_arguments.done') done = ev.arguments;
    }
    assert.equal(deltas, done);
    assert.doesNotThrow(() => JSON.parse(done));
  });

  it('previous_response_id continues a conversation; GET, input_items and DELETE are per key', async () => {
    const one = await openai.responses.create({ model: 'coder', input: 'First turn.', max_output_tokens: 4 });
    const two = await openai.responses.create({ model: 'coder', input: 'Second turn.', previous_response_id: one.id, max_output_tokens: 4 });
    // The second prompt holds the first turn, its answer and the new input.
    assert.ok((two.usage?.input_tokens ?? 0) > (one.usage?.input_tokens ?? 0) + 4);
    const got = await openai.responses.retrieve(two.id);
    assert.equal(got.id, two.id);
    assert.equal(got.output_text, two.output_text);
    const items = await openai.responses.inputItems.list(two.id);
    assert.equal(items.data.length, 1);
    assert.equal(items.data[0]?.type, 'message');
    const other = await createKey(gw.url, MASTER, { name: 'other' });
    const otherClient = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: other.key, maxRetries: 0 });
    await assert.rejects(otherClient.responses.retrieve(two.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    await assert.rejects(
      otherClient.responses.create({ model: 'coder', input: 'x', previous_response_id: two.id }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === 'previous_response_id',
    );
    await openai.responses.delete(two.id);
    await assert.rejects(openai.responses.retrieve(two.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
    // A key that may not keep responses: answered, never stored.
    const stateless = await createKey(gw.url, MASTER, { name: 'no-store', store_responses: false });
    const noStore = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: stateless.key, maxRetries: 0 });
    const r = await noStore.responses.create({ model: 'coder', input: 'x', max_output_tokens: 2 });
    assert.equal((r as unknown as { store: boolean }).store, false);
    await assert.rejects(noStore.responses.retrieve(r.id), (e: unknown) => e instanceof OpenAI.NotFoundError);
  });

  it('text.format json_schema gives schema-valid JSON', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, tags: { type: 'array', items: { type: 'string' }, minItems: 2 }, score: { type: 'number', minimum: 0, maximum: 1 } }, required: ['name', 'tags', 'score'], additionalProperties: false };
    const r = await openai.responses.create({ model: 'coder', input: 'Describe.', text: { format: { type: 'json_schema', name: 'item', schema, strict: true } } });
    const v = JSON.parse(r.output_text) as { name: string; tags: string[]; score: number };
    assert.equal(typeof v.name, 'string');
    assert.ok(Array.isArray(v.tags) && v.tags.length >= 2);
    assert.ok(v.score >= 0 && v.score <= 1);
  });

  it('refuses bad Responses input with a 400 naming the field, before any engine call', async () => {
    const before = sim.replicas[0]?.requests ?? 0;
    const cases: [Record<string, unknown>, string][] = [
      [{ model: 'coder', input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [{ model: 'coder', input: 'x', temperature: 7 }, 'temperature'],
      [{ model: 'coder', input: 'x', max_output_tokens: 1e308 }, 'max_output_tokens'],
      [{ model: 'coder', input: [{ type: 'computer_call' }] }, 'input[0].type'],
      [{ model: 'coder', input: 'x', frobnicate: true }, 'frobnicate'],
      [{ model: 'coder', input: 'x', text: { format: { type: 'json_schema', name: 'x' } } }, 'text.format.schema'],
    ];
    for (const [body, param] of cases) {
      await assert.rejects(openai.responses.create(body as unknown as OpenAI.Responses.ResponseCreateParamsNonStreaming), (e: unknown) => e instanceof OpenAI.BadRequestError && e.param === param, param);
    }
    assert.equal(sim.replicas[0]?.requests, before);
  });

  it('messages.create and messages.stream (with ?beta=true) answer in Anthropic shapes', async () => {
    const m = await anthropic.messages.create({ model: 'claude-relais-test', max_tokens: 5, system: 'Be brief.', messages: [{ role: 'user', content: 'Hello' }] });
    assert.equal(m.type, 'message');
    assert.equal(m.role, 'assistant');
    assert.equal(m.stop_reason, 'max_tokens');
    assert.equal(m.usage.output_tokens, 5);
    assert.ok(m.content[0]?.type === 'text' && m.content[0].text.length > 0);
    // The simulator's filler text has ' key' as its third word: generation ends on that stop sequence.
    const stream = anthropic.beta.messages.stream({ model: 'claude-any-name', max_tokens: 64, stop_sequences: [' key'], messages: [{ role: 'user', content: 'Hi' }] });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    const final = await stream.finalMessage();
    const distinct = types.filter((t, i) => t !== types[i - 1]);
    assert.deepEqual(distinct, ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
    assert.equal(final.stop_reason, 'stop_sequence');
    assert.equal(final.stop_sequence, ' key');
    assert.equal(final.content[0]?.type === 'text' ? final.content[0].text : '', ' sim lab');
    assert.ok(final.usage.input_tokens > 0 && final.usage.output_tokens > 0);
  });

  it('a tool_use → tool_result round trip, streamed and not', async () => {
    const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'Weather forecast', input_schema: weatherTool as Anthropic.Tool.InputSchema }];
    const q: Anthropic.MessageParam = { role: 'user', content: 'Weather in Paris?' };
    const m = await anthropic.messages.create({ model: 'coder', max_tokens: 200, tools, tool_choice: { type: 'any' }, messages: [q] });
    assert.equal(m.stop_reason, 'tool_use');
    const use = m.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    assert.equal(use.name, 'get_weather');
    assert.equal(typeof (use.input as { city?: unknown }).city, 'string');
    const s = anthropic.messages.stream({ model: 'coder', max_tokens: 200, tools, tool_choice: { type: 'tool', name: 'get_weather' }, messages: [q] });
    const streamed = await s.finalMessage();
    const sUse = streamed.content.find((b) => b.type === 'tool_use');
    assert.ok(sUse && sUse.type === 'tool_use');
    assert.equal(typeof (sUse.input as { days?: unknown }).days, 'number');
    const answer = await anthropic.messages.create({
      model: 'coder',
      max_tokens: 8,
      tools,
      messages: [q, { role: 'assistant', content: m.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"temp":21}' }] }],
    });
    assert.equal(answer.content[0]?.type, 'text');
    assert.ok(answer.usage.input_tokens > m.usage.input_tokens);
  });

  it('countTokens asks the engine (vLLM /tokenize): the same count the generation reports', async () => {
    const params = { model: 'coder', system: 'You are terse.', messages: [{ role: 'user' as const, content: 'How many tokens is this?' }] };
    const { data, response } = await anthropic.messages.countTokens(params).withResponse();
    assert.equal(response.headers.get('x-relais-token-count'), 'engine');
    const m = await anthropic.messages.create({ ...params, max_tokens: 1 });
    assert.equal(data.input_tokens, m.usage.input_tokens);
  });

  it('Anthropic errors: type and message in its shape, x-api-key or Bearer, field named', async () => {
    const before = sim.replicas[0]?.requests ?? 0;
    const badBodies: [Record<string, unknown>, RegExp][] = [
      [{ model: 'coder', messages: [{ role: 'user', content: 'x' }] }, /max_tokens/],
      [{ model: 'coder', max_tokens: 'HUGE', messages: [{ role: 'user', content: 'x' }] }, /max_tokens/],
      [{ model: 'coder', max_tokens: 5, tools: [{ type: 'web_search_20250305', name: 'web_search' }], messages: [{ role: 'user', content: 'x' }] }, /tools\.0\.type/],
      [{ model: 'coder', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] }] }, /messages\.0\.content\.0\.type/],
      [{ model: 'coder', max_tokens: 5, container: 'x', messages: [{ role: 'user', content: 'x' }] }, /container/],
    ];
    for (const [body, field] of badBodies) {
      const r = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': MASTER }, body: JSON.stringify(body).replace('"HUGE"', '1e400') });
      assert.equal(r.status, 400);
      const e = (await r.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(e.error.type, 'invalid_request_error');
      assert.match(e.error.message, field);
    }
    assert.equal(sim.replicas[0]?.requests, before, 'nothing reached the engine');
    const bad = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'coder', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] }),
    });
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.error.message, /messages\.0\.content\.0\.type/);
    const noKey = new Anthropic({ baseURL: gw.url, apiKey: 'wrong', maxRetries: 0 });
    await assert.rejects(noKey.messages.create({ model: 'coder', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof Anthropic.AuthenticationError);
    const bearer = new Anthropic({ baseURL: gw.url, authToken: MASTER, apiKey: null, maxRetries: 0 });
    const ok = await bearer.messages.create({ model: 'coder', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(ok.usage.output_tokens, 1);
    await assert.rejects(anthropic.messages.create({ model: 'gpt-unknown', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof Anthropic.NotFoundError);
    await assert.rejects(
      anthropic.messages.create({ model: 'coder', max_tokens: 1, temperature: 3, messages: [{ role: 'user', content: 'x' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming),
      (e: unknown) => e instanceof Anthropic.BadRequestError && /temperature/.test(e.message),
    );
  });

  it('the AI SDK: openai(model) (Responses) and anthropic(model), generate and stream', async () => {
    const oai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: MASTER });
    const ant = createAnthropic({ baseURL: `${gw.url}/v1`, apiKey: MASTER });
    for (const model of [oai('coder'), ant('claude-relais-test')]) {
      const g = await generateText({ model, prompt: 'Hello', maxOutputTokens: 6 });
      assert.ok(g.text.length > 0);
      assert.equal(g.usage.outputTokens, 6);
      const s = streamText({ model, prompt: 'Hello', maxOutputTokens: 6 });
      let text = '';
      for await (const t of s.textStream) text += t;
      assert.equal(text, await s.text);
      assert.equal((await s.usage).outputTokens, 6);
    }
  });

  it('rerank and score reach the engine and are accounted per token', async () => {
    const r = await fetch(`${gw.url}/v1/rerank`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'coder', query: 'red apple pie', documents: ['blue sky', 'apple pie with red apples', 'a red car'], top_n: 2 }),
    });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { results: { index: number; relevance_score: number }[]; usage: { total_tokens: number } };
    assert.equal(body.results.length, 2);
    assert.equal(body.results[0]?.index, 1);
    assert.ok((body.results[0]?.relevance_score ?? 0) >= (body.results[1]?.relevance_score ?? 1));
    const s = await fetch(`${gw.url}/v1/score`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'coder', text_1: 'apple', text_2: ['apple', 'car'] }),
    });
    assert.equal(s.status, 200);
    const bad = await fetch(`${gw.url}/v1/rerank`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}` }, body: JSON.stringify({ model: 'coder', query: 'x', documents: [] }) });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { param: string } }).error.param, 'documents');
  });

  it('the same request three ways (chat, responses, messages) leaves identical usage records and costs', async () => {
    const ids: string[] = [];
    const chat = await openai.chat.completions.create({ model: 'coder', messages: [{ role: 'system', content: 'Same.' }, { role: 'user', content: 'One request.' }], max_tokens: 7 }).withResponse();
    ids.push(chat.response.headers.get('x-request-id') ?? '');
    const resp = await openai.responses.create({ model: 'coder', instructions: 'Same.', input: 'One request.', max_output_tokens: 7, store: false }).withResponse();
    ids.push(resp.response.headers.get('x-request-id') ?? '');
    const msg = await anthropic.messages.create({ model: 'coder', system: 'Same.', messages: [{ role: 'user', content: 'One request.' }], max_tokens: 7 }).withResponse();
    ids.push(msg.response.headers.get('x-request-id') ?? '');
    // Stop the gateway: it flushes usage records to its SQLite store, then read them.
    await gw.stop();
    const db = new Database(join(gw.dir, '.relais', 'relais.db'), { readonly: true });
    try {
      const rows = ids.map((id) => db.prepare('SELECT model, endpoint, status, outcome, prompt_tokens, completion_tokens, cached_tokens, tokens_estimated, cost, stream, finish_reason FROM usage WHERE request_id = ?').get(id));
      assert.ok(rows[0]);
      assert.deepEqual(rows[1], rows[0]);
      assert.deepEqual(rows[2], rows[0]);
      assert.ok(((rows[0] as { cost: number }).cost ?? 0) > 0);
    } finally {
      db.close();
    }
  });
});
