// Review: request-path bugs in the pipeline / router / admission queue, each shown end to end in-process.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CountingAccess, chatBody, sleep, sse, startEngine, startInProcess, type Engine, type InProcess } from './harness.js';

const okJson = (model: string) => ({ id: 'x', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });

describe('review: pipeline', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('a fallback is used when the primary is down (health check failed)', async () => {
    const good = await startEngine((_q, res, body) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(okJson(String(body.model))));
    });
    closers.push(good.close);
    const gw = await startInProcess({
      health: { interval_ms: 60_000 },
      routing: { queue: { max_wait_ms: 1500 } },
      backends: { dead: { kind: 'vllm', url: 'http://127.0.0.1:9' }, good: { kind: 'vllm', url: good.url } },
      models: [
        { name: 'primary', deployments: [{ backend: 'dead', model: 'm' }], fallbacks: ['backup'] },
        { name: 'backup', deployments: [{ backend: 'good', model: 'm' }] },
      ],
    });
    closers.push(gw.close);
    const t0 = performance.now();
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('primary') });
    const ms = performance.now() - t0;
    const text = await r.text();
    assert.equal(r.status, 200, `expected the fallback to answer; got ${r.status} after ${ms.toFixed(0)} ms: ${text}`);
  });

  it('a client abort during the half-open trial does not leave the backend cut off forever', async () => {
    let mode: 'fail' | 'slow' | 'ok' = 'fail';
    const eng = await startEngine(async (_q, res, body) => {
      if (mode === 'fail') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"boom"}}');
        return;
      }
      if (mode === 'slow') await sleep(1500);
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(okJson(String(body.model))));
    });
    closers.push(eng.close);
    const gw = await startInProcess({
      health: { interval_ms: 60_000, failure_threshold: 1, cooldown_ms: 200 },
      routing: { queue: { max_wait_ms: 1000 } },
      backends: { b: { kind: 'vllm', url: eng.url } },
      models: [{ name: 'm', deployments: [{ backend: 'b', model: 'm' }] }],
    });
    closers.push(gw.close);
    const post = (signal?: AbortSignal) => fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('m'), signal });
    const first = await post();
    await first.text();
    assert.equal(first.status, 502); // breaker opens (threshold 1)
    await sleep(300); // cooldown over: the next request is the half-open trial
    mode = 'slow';
    await assert.rejects(post(AbortSignal.timeout(200))); // the client gives up while waiting for headers
    mode = 'ok';
    await sleep(300);
    const third = await post();
    const text = await third.text();
    assert.equal(third.status, 200, `backend still cut off: ${third.status} ${text}`);
  });

  it('a non-streaming request longer than first_byte_ms is not cut, retried and charged to the breaker', async () => {
    const engines = await Promise.all([0, 1].map(() =>
      startEngine(async (_q, res, body) => {
        await sleep(3000); // a non-streaming engine sends its headers only when generation is done
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(okJson(String(body.model))));
      }),
    ));
    for (const e of engines) closers.push(e.close);
    const gw = await startInProcess({
      timeouts: { first_byte_ms: 1000, total_ms: 20_000 },
      health: { interval_ms: 60_000 },
      backends: { a: { kind: 'vllm', url: engines[0]!.url }, b: { kind: 'vllm', url: engines[1]!.url } },
      models: [{ name: 'm', deployments: [{ backend: 'a', model: 'm' }, { backend: 'b', model: 'm' }] }],
    });
    closers.push(gw.close);
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('m') });
    const text = await r.text();
    assert.equal(r.status, 200, `${r.status} ${text}; engine posts: ${engines.map((e) => e.posts)} (each generation started then thrown away)`);
  });

  it('a client that leaves while admit() is pending cancels the upstream', async () => {
    const access = new CountingAccess();
    access.admitDelayMs = 300; // e.g. a Redis limiter round trip under load
    const eng: Engine = await startEngine(async (_q, res, body) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 40 && !res.destroyed; i++) {
        sse(res, { id: 'x', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { content: `t${i} ` }, finish_reason: null }] });
        await sleep(25);
      }
      if (res.destroyed) return;
      sse(res, '[DONE]');
      res.end();
    });
    closers.push(eng.close);
    const gw: InProcess = await startInProcess(
      { backends: { b: { kind: 'vllm', url: eng.url } }, models: [{ name: 'm', deployments: [{ backend: 'b', model: 'm' }] }] },
      { access },
    );
    closers.push(gw.close);
    // Leave exactly while admit() is pending (not after a fixed time, which a busy machine may stretch past it).
    const leave = new AbortController();
    const sent = fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('m', { stream: true }), signal: leave.signal });
    for (const end = Date.now() + 10_000; access.admitting === 0 && Date.now() < end; ) await sleep(5);
    assert.equal(access.admitted, 0, 'still inside admit()');
    leave.abort();
    await assert.rejects(sent);
    for (const end = Date.now() + 10_000; gw.usage.records.length === 0 && Date.now() < end; ) await sleep(20);
    await sleep(300); // an upstream wrongly started would have posted by now
    const rec = gw.usage.records[0];
    // Either never sent upstream, or sent and cancelled: no generation runs to the end for nobody.
    assert.equal(eng.posts, eng.aborted, `upstream not cancelled (engine still streaming / finished); record outcome=${rec?.outcome}`);
    assert.equal(rec?.outcome, 'client_aborted');
  });
});
