// Review: a body that never finishes arriving gets 408 in the client's protocol and its connection
// closed; abandoned bodies are logged as routine (info, no stack); half-sent bodies do not hold up a
// shutdown.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { capturedLog, startInProcess, type InProcess } from './harness.js';
import { halfSentPost, rawExchange } from './raw-http.js';

const body = (text: string): unknown => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as unknown;

describe('review: request body timeout', () => {
  let sim: SimFleet;
  let gw: InProcess;
  const captured = capturedLog();
  const config = (url: string): Record<string, unknown> => ({
    health: { interval_ms: 60_000 },
    limits: { body_timeout_ms: 300 },
    backends: { sim: { kind: 'vllm', url } },
    models: [{ name: 'chat', deployments: [{ backend: 'sim', model: 'sim-chat' }] }],
  });
  before(async () => {
    sim = await startSimFleet({ replicas: 1, servedModelName: 'sim-chat', speed: 50, seed: 1 });
    gw = await startInProcess(config(sim.urls[0] as string), { log: captured.log });
  });
  after(async () => {
    await gw.close();
    await sim.close();
  });

  for (const [path, shape] of [
    ['/v1/chat/completions', 'openai'],
    ['/api/chat', 'ollama'],
    ['/v1/messages', 'anthropic'],
    ['/v1/embeddings', 'openai'],
  ] as const) {
    it(`${path}: a half-sent body gets 408 (${shape} shape) and the connection closes`, async () => {
      const x = await rawExchange(gw.url, halfSentPost(path, '{"model":"chat","mess', 200));
      const text = await x.until(/\r\n\r\n\{.*\}$/s, 5_000);
      assert.match(text, /^HTTP\/1\.1 408/);
      assert.match(text, /\r\nconnection: close\r\n/i);
      const json = body(text) as Record<string, unknown>;
      if (shape === 'ollama') assert.match(String(json.error), /did not arrive within 300 ms/);
      else if (shape === 'anthropic') assert.deepEqual([json.type, (json.error as { message: string }).message], ['error', 'The request body did not arrive within 300 ms.']);
      else assert.equal((json.error as { code: string }).code, 'body_timeout');
      assert.equal(await x.closed(2_000), true, 'the gateway closed the connection');
    });
  }

  it('logs abandoned bodies (timed out, or the client left mid-body) at info without a stack', async () => {
    const x = await rawExchange(gw.url, halfSentPost('/v1/chat/completions', '{"model":', 100));
    await new Promise((r) => setTimeout(r, 50));
    x.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const abandoned = captured.lines.filter((l) => l.msg === 'request body abandoned');
    assert.ok(abandoned.some((l) => l.reason === 'body_incomplete'), JSON.stringify(abandoned));
    assert.ok(abandoned.some((l) => l.reason === 'body_timeout'));
    assert.ok(abandoned.every((l) => l.level === 'info' && l.requestId !== undefined));
    const errors = captured.lines.filter((l) => l.level === 'error' || JSON.stringify(l).includes('    at '));
    assert.deepEqual(errors, []);
  });

  it('a complete body is still answered normally', async () => {
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }) });
    assert.equal(r.status, 200);
    await r.text();
  });

  it('half-sent bodies do not delay a shutdown', async () => {
    const other = await startInProcess({ ...config(sim.urls[0] as string), limits: { body_timeout_ms: 60_000 } });
    const stuck = await Promise.all(Array.from({ length: 5 }, () => rawExchange(other.url, halfSentPost('/v1/chat/completions', '{"model":"chat"', 500))));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    await other.gateway.close(20_000);
    const ms = performance.now() - t0;
    assert.ok(ms < 5_000, `shutdown took ${ms.toFixed(0)} ms with half-sent bodies`);
    for (const x of stuck) {
      assert.equal(await x.closed(2_000), true);
      assert.match(x.text(), /^HTTP\/1\.1 503/);
    }
  });
});
