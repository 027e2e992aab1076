// Bad input gets a precise error in the client's protocol, and the gateway keeps serving.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('errors in the client protocol', () => {
  let engine: FakeEngine;
  let rejecting: FakeEngine;
  let gw: GatewayProcess;

  before(async () => {
    engine = await startFakeEngine();
    rejecting = await startFakeEngine({ mode: 'fail400' });
    gw = await startGateway(
      `
master_key: \${TEST_MASTER_KEY}
limits: { max_body_bytes: 2048 }
backends:
  a: { kind: vllm, url: ${engine.url} }
  r: { kind: openai, url: ${rejecting.url}/v1 }
models:
  - name: m
    deployments: [ { backend: a, model: fake-model } ]
  - name: picky
    deployments: [ { backend: r, model: fake-model } ]
`,
      { env: { TEST_MASTER_KEY: 'sk-master-test' } },
    );
  });
  after(async () => {
    await gw.stop();
    await engine.close();
    await rejecting.close();
  });

  const post = async (path: string, body: string, key: string | null = 'sk-master-test', headers: Record<string, string> = {}): Promise<{ status: number; json: OpenAIErrorBody; text: string }> => {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
      body,
    });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as OpenAIErrorBody, text };
  };

  it('rejects malformed JSON with 400 invalid_json', async () => {
    const r = await post('/v1/chat/completions', '{"model": "m", "messages": [');
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_json');
    assert.equal(r.json.error.type, 'invalid_request_error');
  });

  it('names the parameter of a wrong type or value', async () => {
    let r = await post('/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error.param, 'temperature');
    r = await post('/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }));
    assert.equal(r.json.error.param, 'max_tokens');
    r = await post('/v1/chat/completions', JSON.stringify({ model: 'm' }));
    assert.equal(r.json.error.param, 'messages');
    r = await post('/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ content: 'x' }] }));
    assert.equal(r.json.error.param, 'messages[0].role');
    r = await post('/v1/embeddings', JSON.stringify({ model: 'm', input: 5 }));
    assert.equal(r.json.error.param, 'input');
    r = await post('/v1/chat/completions', JSON.stringify({ messages: [] }));
    assert.equal(r.json.error.param, 'model');
  });

  it('answers 404 model_not_found for unknown models', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-17', messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 'model_not_found');
    assert.match(r.json.error.message, /gpt-17/);
  });

  it('answers 413 for oversize bodies', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }));
    assert.equal(r.status, 413);
    assert.equal(r.json.error.type, 'request_too_large');
  });

  it('requires the master key when one is set (Bearer or x-api-key)', async () => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 });
    assert.equal((await post('/v1/chat/completions', body, null)).status, 401);
    const wrong = await post('/v1/chat/completions', body, 'sk-wrong');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.type, 'authentication_error');
    assert.equal((await post('/v1/chat/completions', body, null, { 'x-api-key': 'sk-master-test' })).status, 200);
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(client.models.list(), (e: unknown) => e instanceof OpenAI.AuthenticationError);
  });

  it('passes an engine-side 400 through with its message', async () => {
    const r = await post('/v1/chat/completions', JSON.stringify({ model: 'picky', messages: [{ role: 'user', content: 'x' }] }));
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'context_length_exceeded');
    assert.match(r.json.error.message, /maximum context length/);
  });

  it('answers unknown routes and wrong methods in OpenAI shape, never with a stack trace', async () => {
    const res = await fetch(`${gw.url}/v1/nothing`, { headers: { authorization: 'Bearer sk-master-test' } });
    assert.equal(res.status, 404);
    const res2 = await fetch(`${gw.url}/v1/chat/completions`, { headers: { authorization: 'Bearer sk-master-test' } });
    assert.equal(res2.status, 405);
    for (const text of [await res.text(), await res2.text()]) {
      assert.ok((JSON.parse(text) as OpenAIErrorBody).error.message);
      assert.doesNotMatch(text, /\n\s+at /);
    }
  });

  it('echoes a valid x-request-id and still serves after all the bad input', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-master-test', 'x-request-id': 'req-abc.123' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }),
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'req-abc.123');
    const bad = await fetch(`${gw.url}/health/live`, { headers: { 'x-request-id': 'bad id with spaces' } });
    assert.notEqual(bad.headers.get('x-request-id'), 'bad id with spaces');
    assert.ok(bad.headers.get('x-request-id'));
  });
});
