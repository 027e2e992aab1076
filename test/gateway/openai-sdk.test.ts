// The official openai SDK against the gateway (a real process) in front of fake engines.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

describe('gateway with the openai SDK', () => {
  let e1: FakeEngine;
  let e2: FakeEngine;
  let gw: GatewayProcess;
  let client: OpenAI;

  before(async () => {
    e1 = await startFakeEngine({ model: 'org/Fake-8B' });
    e2 = await startFakeEngine({ model: 'org/Fake-8B' });
    gw = await startGateway(`
backends:
  a: { kind: vllm, url: ${e1.url} }
  b: { kind: vllm, url: ${e2.url} }
models:
  - name: fake-8b
    deployments:
      - { backend: a, model: org/Fake-8B }
      - { backend: b, model: org/Fake-8B }
`);
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    await gw.stop();
    await e1.close();
    await e2.close();
  });

  it('lists the configured models', async () => {
    const list = await client.models.list();
    assert.deepEqual(
      list.data.map((m) => m.id),
      ['fake-8b'],
    );
  });

  it('answers a non-streaming chat with usage and the public model name', async () => {
    const r = await client.chat.completions.create({ model: 'fake-8b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, seed: 7, stop: ['\n'] });
    assert.equal(r.model, 'fake-8b');
    assert.equal(r.choices[0]?.message.content, 'hello hello hello');
    assert.equal(r.usage?.completion_tokens, 3);
    const upstream = (e1.lastBody?.seed === 7 ? e1 : e2).lastBody;
    assert.equal(upstream?.model, 'org/Fake-8B');
    assert.deepEqual(upstream?.stop, ['\n']);
  });

  it('streams chat chunk by chunk, dropping the usage chunk it asked for itself', async () => {
    const stream = await client.chat.completions.create({ model: 'fake-8b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, stream: true });
    let text = '';
    let usageChunks = 0;
    for await (const chunk of stream) {
      assert.equal(chunk.model, 'fake-8b');
      if (chunk.usage) usageChunks++;
      text += chunk.choices[0]?.delta.content ?? '';
    }
    assert.equal(text, 'tok0 tok1 tok2 tok3 ');
    assert.equal(usageChunks, 0);
  });

  it('keeps the usage chunk when the client asks for it', async () => {
    const stream = await client.chat.completions.create({
      model: 'fake-8b',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.equal(usage?.completion_tokens, 2);
  });

  it('passes tools through and returns tool calls (stream and not)', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
    ];
    const r = await client.chat.completions.create({ model: 'fake-8b', messages: [{ role: 'user', content: 'weather?' }], tools, tool_choice: 'auto' });
    const call = r.choices[0]?.message.tool_calls?.[0];
    assert.equal(call?.type === 'function' ? call.function.name : undefined, 'get_weather');
    assert.equal(r.choices[0]?.finish_reason, 'tool_calls');
    const s = await client.chat.completions.create({ model: 'fake-8b', messages: [{ role: 'user', content: 'weather?' }], tools, stream: true });
    let name = '';
    for await (const chunk of s) name += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.name ?? '';
    assert.equal(name, 'get_weather');
  });

  it('passes response_format json_schema through', async () => {
    const r = await client.chat.completions.create({
      model: 'fake-8b',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { answer: { type: 'string' } } } } },
    });
    assert.deepEqual(JSON.parse(r.choices[0]?.message.content ?? ''), { answer: 'ok', n: 42 });
    const body = (e1.lastBody?.response_format ? e1 : e2).lastBody;
    assert.equal((body?.response_format as { type: string }).type, 'json_schema');
  });

  it('supports n, logprobs and legacy completions with suffix (fill-in-the-middle)', async () => {
    const r = await client.chat.completions.create({ model: 'fake-8b', messages: [{ role: 'user', content: 'hi' }], n: 2, max_tokens: 1, logprobs: true });
    assert.equal(r.choices.length, 2);
    const c = await client.completions.create({ model: 'fake-8b', prompt: 'def add(a, b):', suffix: '\n    return c', max_tokens: 4 });
    assert.equal(c.choices[0]?.text, '<fim:\n    return c>');
    assert.equal(c.model, 'fake-8b');
  });

  it('computes embeddings', async () => {
    const r = await client.embeddings.create({ model: 'fake-8b', input: ['a', 'b'] });
    assert.equal(r.data.length, 2);
    assert.equal(r.data[0]?.embedding.length, 8);
  });

  it('shares load across replicas and names the backend', async () => {
    const before1 = e1.hits.get('/v1/chat/completions') ?? 0;
    const before2 = e2.hits.get('/v1/chat/completions') ?? 0;
    const seen = new Set<string>();
    // Equal replicas tie and ties are broken at random: 40 requests put at least 8 on each (P(fail) < 1e-5).
    for (let i = 0; i < 40; i++) {
      const { response } = await client.chat.completions.create({ model: 'fake-8b', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }).withResponse();
      seen.add(response.headers.get('x-relais-backend') ?? '');
      assert.ok(response.headers.get('x-request-id'));
      assert.ok(Number(response.headers.get('x-relais-overhead-ms')) >= 0);
    }
    assert.deepEqual([...seen].sort(), ['a', 'b']);
    assert.ok((e1.hits.get('/v1/chat/completions') ?? 0) - before1 >= 8);
    assert.ok((e2.hits.get('/v1/chat/completions') ?? 0) - before2 >= 8);
  });

  it('exposes Prometheus metrics with tokens and latency by model and backend', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(text, /relais_requests_total\{model="fake-8b",backend="a",endpoint="chat",status="200",outcome="completed"\} \d+/);
    assert.match(text, /relais_tokens_total\{model="fake-8b",backend="[ab]",kind="completion"\} \d+/);
    assert.match(text, /relais_time_to_first_token_seconds_bucket/);
    assert.match(text, /relais_backend_healthy\{backend="a"\} 1/);
  });
});
