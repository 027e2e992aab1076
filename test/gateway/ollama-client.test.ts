// The official ollama npm client against the gateway, translated to an OpenAI-compatible engine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ollama } from 'ollama';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

describe('gateway with the ollama client', () => {
  let engine: FakeEngine;
  let gw: GatewayProcess;
  let ollama: Ollama;

  before(async () => {
    engine = await startFakeEngine({ model: 'org/Fake-8B' });
    gw = await startGateway(`
backends:
  a: { kind: vllm, url: ${engine.url} }
models:
  - name: fake-8b
    deployments: [ { backend: a, model: org/Fake-8B } ]
`);
    ollama = new Ollama({ host: gw.url });
  });
  after(async () => {
    await gw.stop();
    await engine.close();
  });

  it('lists models in /api/tags and answers /api/version', async () => {
    const tags = await ollama.list();
    assert.deepEqual(
      tags.models.map((m) => m.name),
      ['fake-8b'],
    );
    const v = await ollama.version();
    assert.match(v.version, /^\d+\.\d+\.\d+$/);
  });

  it('chats without streaming, with options mapped to OpenAI fields', async () => {
    const r = await ollama.chat({ model: 'fake-8b', messages: [{ role: 'user', content: 'hi' }], stream: false, options: { num_predict: 2, temperature: 0.3, top_k: 5, seed: 1 } });
    assert.equal(r.message.content, 'hello hello');
    assert.equal(r.done, true);
    assert.equal(r.eval_count, 2);
    assert.ok(r.prompt_eval_count > 0);
    assert.equal(engine.lastBody?.max_tokens, 2);
    assert.equal(engine.lastBody?.temperature, 0.3);
    assert.equal(engine.lastBody?.top_k, 5);
    assert.equal(engine.lastBody?.model, 'org/Fake-8B');
  });

  it('streams chat as NDJSON with a final done message carrying counts', async () => {
    const stream = await ollama.chat({ model: 'fake-8b:latest', messages: [{ role: 'user', content: 'hi' }], stream: true, options: { num_predict: 3 } });
    let text = '';
    let final: { done: boolean; eval_count: number; done_reason: string } | undefined;
    for await (const part of stream) {
      text += part.message.content;
      if (part.done) final = part;
    }
    assert.equal(text, 'tok0 tok1 tok2 ');
    assert.equal(final?.done, true);
    assert.equal(final?.eval_count, 3);
    assert.equal(final?.done_reason, 'length');
  });

  it('generates (stream and not) and maps format to a JSON schema', async () => {
    const r = await ollama.generate({ model: 'fake-8b', prompt: 'say', stream: false, options: { num_predict: 1 } });
    assert.equal(r.response, 'hello');
    const s = await ollama.generate({ model: 'fake-8b', prompt: 'say', stream: true, options: { num_predict: 2 } });
    let text = '';
    for await (const part of s) text += part.response;
    assert.equal(text, 'tok0 tok1 ');
    const j = await ollama.generate({ model: 'fake-8b', prompt: 'json', stream: false, format: { type: 'object', properties: { answer: { type: 'string' } } } });
    assert.deepEqual(JSON.parse(j.response ?? ''), { answer: 'ok', n: 42 });
    assert.equal((engine.lastBody?.response_format as { type: string }).type, 'json_schema');
  });

  it('returns tool calls with object arguments', async () => {
    const r = await ollama.chat({
      model: 'fake-8b',
      messages: [{ role: 'user', content: 'weather in Paris?' }],
      stream: false,
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'w', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    });
    assert.equal(r.message.tool_calls?.[0]?.function.name, 'get_weather');
    assert.deepEqual(r.message.tool_calls?.[0]?.function.arguments, { city: 'Paris' });
  });

  it('embeds', async () => {
    const r = await ollama.embed({ model: 'fake-8b', input: ['a', 'b', 'c'] });
    assert.equal(r.embeddings.length, 3);
    assert.equal(r.embeddings[0]?.length, 8);
  });

  it('answers errors in Ollama shape', async () => {
    await assert.rejects(ollama.chat({ model: 'nope', messages: [{ role: 'user', content: 'hi' }], stream: false }), (err: Error & { status_code?: number }) => {
      assert.equal(err.status_code, 404);
      assert.match(err.message, /nope/);
      return true;
    });
    const res = await fetch(`${gw.url}/api/chat`, { method: 'POST', body: '{"model":' });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string };
    assert.equal(typeof body.error, 'string');
    assert.match(body.error, /JSON/);
  });
});
