// Review: SIGTERM drain with keep-alive clients. New requests on old connections get 503 with
// `Connection: close` in the client's protocol; in-flight streams finish and the drain ends as soon as
// they do; streams still running at the end of the grace get an error event and are recorded as cut by
// the gateway (not as client_aborted).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { sleep, startInProcess, type InProcess } from './harness.js';
import { rawExchange } from './raw-http.js';

const post = (path: string, body: unknown, id: string): string => {
  const text = JSON.stringify(body);
  return `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-request-id: ${id}\r\ncontent-length: ${Buffer.byteLength(text)}\r\n\r\n${text}`;
};
const messages = [{ role: 'user', content: 'tell me a story' }];

describe('review: drain with keep-alive clients', () => {
  let sim: SimFleet;
  before(async () => {
    // About 100 tokens a second per stream.
    sim = await startSimFleet({ replicas: 1, servedModelName: 'sim-chat', speed: 1, seed: 9 });
  });
  after(async () => {
    await sim.close();
  });
  const start = (): Promise<InProcess> =>
    startInProcess({ health: { interval_ms: 60_000 }, backends: { sim: { kind: 'vllm', url: sim.urls[0] } }, models: [{ name: 'chat', deployments: [{ backend: 'sim', model: 'sim-chat' }] }] });

  it('lets in-flight streams finish, answers new requests on their connections 503 + close, and ends as soon as they are done', async () => {
    const gw = await start();
    const openai = await rawExchange(gw.url, post('/v1/chat/completions', { model: 'chat', messages, max_tokens: 200, stream: true }, 's1'));
    const ollama = await rawExchange(gw.url, post('/api/chat', { model: 'chat', messages, stream: true, options: { num_predict: 200 } }, 's2'));
    const anthropic = await rawExchange(gw.url, post('/v1/messages', { model: 'chat', messages, max_tokens: 200, stream: true }, 's3'));
    await openai.until(/data: \{/, 5_000);
    await ollama.until(/"done":false/, 5_000);
    await anthropic.until(/content_block_delta/, 5_000);
    const t0 = performance.now();
    const closing = gw.gateway.close(20_000);
    await sleep(50);
    // The next request on each kept-alive connection, while its stream still runs.
    openai.socket.write(post('/v1/chat/completions', { model: 'chat', messages, max_tokens: 2 }, 'n1'));
    ollama.socket.write(post('/api/chat', { model: 'chat', messages, stream: false }, 'n2'));
    anthropic.socket.write(post('/v1/messages', { model: 'chat', messages, max_tokens: 2 }, 'n3'));
    await closing;
    const drainMs = performance.now() - t0;
    assert.ok(drainMs < 8_000, `the drain took ${drainMs.toFixed(0)} ms for ~1 s streams (grace 20 s)`);
    assert.equal(await openai.closed(3_000), true);
    assert.equal(await ollama.closed(3_000), true);

    const [streamA, nextA] = openai.text().split(/(?=HTTP\/1\.1 )/);
    assert.match(streamA ?? '', /^HTTP\/1\.1 200/);
    assert.ok(streamA?.includes('data: [DONE]'), 'the in-flight stream finished');
    assert.match(nextA ?? '', /^HTTP\/1\.1 503/);
    assert.match(nextA ?? '', /\r\nconnection: close\r\n/i);
    assert.match(nextA ?? '', /"code":"shutting_down"/);

    const [streamB, nextB] = ollama.text().split(/(?=HTTP\/1\.1 )/);
    assert.ok(streamB?.includes('"done":true'), 'the in-flight Ollama stream finished');
    assert.match(nextB ?? '', /^HTTP\/1\.1 503/);
    assert.match(nextB ?? '', /\r\nconnection: close\r\n/i);
    assert.match(nextB ?? '', /\{"error":"The gateway is shutting down/);

    assert.equal(await anthropic.closed(3_000), true);
    const [streamC, nextC] = anthropic.text().split(/(?=HTTP\/1\.1 )/);
    assert.ok(streamC?.includes('message_stop'), 'the in-flight Messages stream finished');
    assert.match(nextC ?? '', /^HTTP\/1\.1 503/);
    assert.match(nextC ?? '', /\{"type":"error","error":\{"type":"overloaded_error","message":"The gateway is shutting down/);

    const outcomes = Object.fromEntries(gw.usage.records.map((r) => [r.requestId, r.outcome]));
    assert.deepEqual(outcomes, { s1: 'completed', s2: 'completed', s3: 'completed' });
  });

  it('cuts streams still running at the end of the grace with an error event, recorded as gateway_cut', async () => {
    const gw = await start();
    const openai = await rawExchange(gw.url, post('/v1/chat/completions', { model: 'chat', messages, max_tokens: 2_000, stream: true }, 'c1'));
    const ollama = await rawExchange(gw.url, post('/api/generate', { model: 'chat', prompt: 'go', stream: true, options: { num_predict: 2_000 } }, 'c2'));
    const responses = await rawExchange(gw.url, post('/v1/responses', { model: 'chat', input: 'go', max_output_tokens: 2_000, stream: true }, 'c3'));
    const waiting = await rawExchange(gw.url, post('/v1/chat/completions', { model: 'chat', messages, max_tokens: 2_000 }, 'c4'));
    await openai.until(/data: \{/, 5_000);
    await ollama.until(/"done":false/, 5_000);
    await responses.until(/output_text\.delta/, 5_000);
    const t0 = performance.now();
    await gw.gateway.close(300);
    const drainMs = performance.now() - t0;
    assert.ok(drainMs < 4_000, `cutting took ${drainMs.toFixed(0)} ms`);

    assert.match(await openai.until(/"code":"gateway_shutdown"/, 2_000), /data: \{"error":\{"message":"The gateway is shutting down/);
    assert.doesNotMatch(openai.text(), /data: \[DONE\]/);
    assert.match(await ollama.until(/\{"error":"The gateway is shutting down/, 2_000), /"done":false/);
    assert.match(await responses.until(/The gateway is shutting down/, 2_000), /event: (response\.failed|error)/);
    const answer = await waiting.until(/\r\n\r\n\{.*\}$/s, 2_000);
    assert.match(answer, /^HTTP\/1\.1 503/);
    assert.match(answer, /"code":"shutting_down"/);

    const byId = Object.fromEntries(gw.usage.records.map((r) => [r.requestId, r]));
    for (const id of ['c1', 'c2', 'c3', 'c4']) assert.equal(byId[id]?.outcome, 'gateway_cut', `${id}: ${JSON.stringify(byId[id])}`);
    assert.equal(byId.c4?.status, 503);
  });
});
