// The simulator honours what agents and structured-output clients send: tools (schema-valid calls),
// json_schema, n, stop, suffix; and serves embeddings, rerank and /tokenize deterministically.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';

describe('simulator: tools, structured output, n, stop, suffix, embeddings, rerank', () => {
  let sim: SimFleet;
  let client: OpenAI;
  const model = 'sim-model';
  before(async () => {
    sim = await startSimFleet({ replicas: 1, gpu: 'a100-80g', model: 'llama-3.1-8b', servedModelName: model, speed: 50, outputLen: 'fixed:12', toolCallRate: 0, seed: 9 });
    client = new OpenAI({ baseURL: `${sim.urls[0]}/v1`, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => {
    await sim.close();
  });

  const tools: OpenAI.ChatCompletionTool[] = [
    {
      type: 'function',
      function: {
        name: 'book',
        parameters: {
          type: 'object',
          properties: { room: { enum: ['a', 'b'] }, nights: { type: 'integer', minimum: 1, maximum: 3 }, guest: { $ref: '#/$defs/guest' } },
          required: ['room', 'nights', 'guest'],
          $defs: { guest: { type: 'object', properties: { name: { type: 'string', minLength: 2, maxLength: 8 } }, required: ['name'] } },
        },
      },
    },
  ];

  it('makes a schema-valid tool call when tool_choice requires one, streamed and not', async () => {
    const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Book' }], tools, tool_choice: 'required' });
    const call = r.choices[0]?.message.tool_calls?.[0];
    assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
    assert.ok(call && call.type === 'function');
    const args = JSON.parse(call.function.arguments) as { room: string; nights: number; guest: { name: string } };
    assert.ok(['a', 'b'].includes(args.room));
    assert.ok(Number.isInteger(args.nights) && args.nights >= 1 && args.nights <= 3);
    assert.ok(args.guest.name.length >= 2 && args.guest.name.length <= 8);
    assert.ok((r.usage?.completion_tokens ?? 0) >= Math.ceil(call.function.arguments.length / 4));
    const s = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Book' }], tools, tool_choice: { type: 'function', function: { name: 'book' } }, stream: true });
    let name = '';
    let argsText = '';
    let finish: string | null | undefined;
    for await (const c of s) {
      const tc = c.choices[0]?.delta.tool_calls?.[0];
      name += tc?.function?.name ?? '';
      argsText += tc?.function?.arguments ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    assert.equal(name, 'book');
    assert.equal(finish, 'tool_calls');
    assert.doesNotThrow(() => JSON.parse(argsText));
    // tool_choice auto at rate 0, and none: text.
    const text = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], tools, max_tokens: 3 });
    assert.equal(text.choices[0]?.message.tool_calls?.length ?? 0, 0);
    // The definitions are part of the prompt, as a template renders them.
    const plain = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 });
    assert.ok((text.usage?.prompt_tokens ?? 0) > (plain.usage?.prompt_tokens ?? 0) + 20);
  });

  it('answers json_schema with valid JSON, n choices, stops at stop strings', async () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' }, items: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 }, minItems: 2, maxItems: 2 } }, required: ['ok', 'items'] };
    const j = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 's', schema } } });
    const v = JSON.parse(j.choices[0]?.message.content ?? '') as { ok: boolean; items: number[] };
    assert.equal(typeof v.ok, 'boolean');
    assert.equal(v.items.length, 2);
    const n = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], n: 3, max_tokens: 4 });
    assert.deepEqual(n.choices.map((c) => c.index), [0, 1, 2]);
    assert.equal(n.usage?.completion_tokens, 12);
    const stopped = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], stop: [' map'], max_tokens: 20 });
    assert.equal(stopped.choices[0]?.message.content, ' sim lab key');
    assert.equal(stopped.choices[0]?.finish_reason, 'stop');
    const streamed = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], n: 2, max_tokens: 3, stream: true });
    const texts = ['', ''];
    for await (const c of streamed) for (const ch of c.choices) texts[ch.index] += ch.delta.content ?? '';
    assert.deepEqual(texts, [' sim lab key', ' sim lab key']);
  });

  it('counts a completion suffix in the prompt (fill-in-the-middle)', async () => {
    const without = await client.completions.create({ model, prompt: 'def f(x):', max_tokens: 2 });
    const withSuffix = await client.completions.create({ model, prompt: 'def f(x):', suffix: '\n    return y * 2 + x', max_tokens: 2 });
    assert.ok((withSuffix.usage?.prompt_tokens ?? 0) > (without.usage?.prompt_tokens ?? 0));
  });

  it('serves deterministic embeddings, rerank scores and /tokenize counts', async () => {
    const a = await client.embeddings.create({ model, input: ['red apple', 'red apple', 'blue car'], encoding_format: 'float' });
    assert.equal(a.data[0]?.embedding.length, 384);
    assert.deepEqual(a.data[0]?.embedding, a.data[1]?.embedding);
    assert.notDeepEqual(a.data[0]?.embedding, a.data[2]?.embedding);
    const b64 = await client.embeddings.create({ model, input: 'red apple', dimensions: 16 });
    assert.equal(b64.data[0]?.embedding.length, 16);
    const rr = await fetch(`${sim.urls[0]}/v1/rerank`, { method: 'POST', body: JSON.stringify({ model, query: 'red apple', documents: ['blue car', 'a red apple tree'] }) });
    const ranked = (await rr.json()) as { results: { index: number }[] };
    assert.deepEqual(ranked.results.map((r) => r.index), [1, 0]);
    const messages = [{ role: 'user', content: 'How long is this prompt?' }];
    const tok = (await (await fetch(`${sim.urls[0]}/tokenize`, { method: 'POST', body: JSON.stringify({ model, messages }) })).json()) as { count: number; tokens: number[] };
    const chat = await client.chat.completions.create({ model, messages: messages as OpenAI.ChatCompletionMessageParam[], max_tokens: 1 });
    assert.equal(tok.count, chat.usage?.prompt_tokens);
    assert.equal(tok.tokens.length, tok.count);
  });
});
