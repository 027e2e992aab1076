// Review: relay accounting and rewriting bugs, end to end in-process with a scripted engine.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatBody, sleep, sse, startEngine, startInProcess, type Engine, type InProcess } from './harness.js';

describe('review: relays', () => {
  let eng: Engine;
  let gw: InProcess;
  before(async () => {
    eng = await startEngine(() => undefined);
    gw = await startInProcess({
      backends: { b: { kind: 'vllm', url: eng.url } },
      models: [{ name: 'public', deployments: [{ backend: 'b', model: 'org/upstream-name' }] }],
    });
  });
  after(async () => {
    await gw.close();
    await eng.close();
  });
  const post = (body: string, signal?: AbortSignal) =>
    fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal });
  const last = () => gw.usage.records[gw.usage.records.length - 1];

  it('records finish_reason when finish, usage and [DONE] arrive as separate chunks (as vLLM writes them)', async () => {
    eng.handler = async (_q, res, body) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const base = { id: 'x', object: 'chat.completion.chunk', created: 1, model: body.model };
      sse(res, { ...base, choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] });
      await sleep(20);
      sse(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
      await sleep(20);
      sse(res, { ...base, choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
      await sleep(20);
      sse(res, '[DONE]');
      res.end();
    };
    const r = await post(chatBody('public', { stream: true }));
    await r.text();
    await sleep(50);
    assert.equal(last()?.outcome, 'completed');
    assert.equal(last()?.completionTokens, 1);
    assert.equal(last()?.finishReason, 'stop');
  });

  it('estimates an aborted stream by content events, not by TCP chunks', async () => {
    eng.handler = async (_q, res, body) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = (i: number) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { content: `t${i}` }, finish_reason: null }] })}\n\n`;
      // An engine under load flushes several tokens per write.
      res.write(Array.from({ length: 20 }, (_, i) => ev(i)).join(''));
      await sleep(30);
      res.write(Array.from({ length: 20 }, (_, i) => ev(20 + i)).join(''));
      await sleep(5000);
      res.end();
    };
    const ac = new AbortController();
    const r = await post(chatBody('public', { stream: true }), ac.signal);
    const reader = r.body!.getReader();
    let seen = '';
    while (!seen.includes('"t39"')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += Buffer.from(value).toString('utf8');
    }
    ac.abort();
    await sleep(150);
    assert.equal(last()?.outcome, 'client_aborted');
    assert.ok((last()?.completionTokens ?? 0) >= 40, `40 tokens were relayed, billed estimate: ${last()?.completionTokens}`);
  });

  it('rewrites the model name of a non-streaming reply whose model field comes after the content (llama.cpp order)', async () => {
    const content = 'x'.repeat(600);
    eng.handler = (_q, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], created: 1, model: body.model, object: 'chat.completion', usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, id: 'x' }));
    };
    const r = await post(chatBody('public'));
    const json = (await r.json()) as { model: string };
    assert.equal(json.model, 'public');
  });

  it('answers 502, not 500 "internal", when the engine dies in the middle of a non-streaming body', async () => {
    eng.handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"id":"x","choices":[');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const r = await post(chatBody('public'));
    const text = await r.text();
    assert.equal(r.status, 502, text);
  });
});
