// Review: an engine's 4xx about the request (an endpoint or model it lacks, a bad parameter) goes back to
// that client and never counts against the backend; 5xx still opens the breaker, and operators get a
// warn line for every breaker change.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { capturedLog, chatBody, sleep, startEngine, startInProcess, type InProcess } from './harness.js';

const post = (url: string, path: string, body: unknown): Promise<Response> =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('review: client errors never take a model down', () => {
  let sim: SimFleet;
  let gw: InProcess;
  const captured = capturedLog();
  before(async () => {
    // A chat-only deployment (vLLM serving a generate-task model has no /v1/embeddings route).
    sim = await startSimFleet({ replicas: 2, servedModelName: 'sim-chat', speed: 50, generateOnly: true, seed: 2 });
    gw = await startInProcess(
      {
        health: { interval_ms: 60_000, failure_threshold: 2, cooldown_ms: 30_000 },
        backends: { a: { kind: 'vllm', url: sim.urls[0] }, b: { kind: 'vllm', url: sim.urls[1] } },
        models: [{ name: 'chat', deployments: [{ backend: 'a', model: 'sim-chat' }, { backend: 'b', model: 'sim-chat' }] }],
      },
      { log: captured.log },
    );
  });
  after(async () => {
    await gw.close();
    await sim.close();
  });

  it('passes the engine 404 for embeddings through, and chat keeps working on every replica', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await post(gw.url, '/v1/embeddings', { model: 'chat', input: 'hello' });
      assert.equal(r.status, 404);
      const body = (await r.json()) as { error: { message: string; type: string } };
      assert.equal(body.error.type, 'not_found_error');
      assert.match(body.error.message, /No route/);
    }
    const o = await post(gw.url, '/api/embed', { model: 'chat', input: 'hello' });
    assert.equal(o.status, 404);
    assert.equal(typeof ((await o.json()) as { error: unknown }).error, 'string', 'Ollama error shape');
    for (const d of gw.gateway.router.get('chat')!.deployments) assert.equal(d.state.breaker.state, 'closed', d.state.id);
    const ready = await fetch(`${gw.url}/health/ready`);
    assert.equal(ready.status, 200);
    const chat = await post(gw.url, '/v1/chat/completions', chatBody('chat'));
    assert.equal(chat.status, 200);
    await chat.text();
    assert.equal(captured.lines.filter((l) => l.breaker !== undefined).length, 0, 'no breaker change was logged');
  });

  it('a bad parameter the engine refuses (400) does not count either', async () => {
    for (let i = 0; i < 4; i++) {
      const r = await post(gw.url, '/v1/chat/completions', chatBody('chat', { suffix: 'x' }));
      assert.equal(r.status, 400);
      await r.text();
    }
    for (const d of gw.gateway.router.get('chat')!.deployments) assert.equal(d.state.breaker.state, 'closed');
  });
});

describe('review: backend failures still count, and every breaker change is logged', () => {
  it('5xx opens the breaker (warn), the trial after the cooldown closes it (warn)', async () => {
    let failing = true;
    const eng = await startEngine((_q, res, body) => {
      if (failing) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"engine crashed"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    });
    const captured = capturedLog();
    const gw = await startInProcess(
      { health: { interval_ms: 60_000, failure_threshold: 2, cooldown_ms: 300 }, backends: { e: { kind: 'vllm', url: eng.url } }, models: [{ name: 'm', deployments: [{ backend: 'e', model: 'm' }] }] },
      { log: captured.log },
    );
    try {
      for (let i = 0; i < 2; i++) assert.equal((await post(gw.url, '/v1/chat/completions', chatBody('m'))).status, 502);
      assert.equal((await post(gw.url, '/v1/chat/completions', chatBody('m'))).status, 503, 'the breaker is open');
      assert.equal((await fetch(`${gw.url}/health/ready`)).status, 503);
      failing = false;
      await sleep(400);
      const r = await post(gw.url, '/v1/chat/completions', chatBody('m'));
      assert.equal(r.status, 200);
      await r.text();
      const changes = captured.lines.filter((l) => l.breaker !== undefined);
      assert.deepEqual(changes.map((l) => [l.level, l.backend, l.breaker]), [
        ['warn', 'e', 'open'],
        ['warn', 'e', 'half-open'],
        ['warn', 'e', 'closed'],
      ]);
    } finally {
      await gw.close();
      await eng.close();
    }
  });
});
