// Failures: dead replicas, 5xx, timeouts, fallbacks, client aborts, engines dying mid-stream, breaker, drain.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const chat = (model: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra });

describe('failures and recovery', () => {
  let good: FakeEngine;
  let broken: FakeEngine;
  let slow: FakeEngine;
  let hanging: FakeEngine;
  let dying: FakeEngine;
  let truncating: FakeEngine;
  let flaky: FakeEngine;
  let lateStart: FakeEngine;
  let doomed: FakeEngine;
  let gw: GatewayProcess;
  let client: OpenAI;

  before(async () => {
    good = await startFakeEngine();
    broken = await startFakeEngine({ mode: 'fail500' });
    slow = await startFakeEngine({ tokenDelayMs: 20 });
    hanging = await startFakeEngine({ mode: 'hang' });
    dying = await startFakeEngine({ mode: 'die-mid-stream', tokenDelayMs: 5 });
    truncating = await startFakeEngine({ mode: 'truncate-stream', tokenDelayMs: 5 });
    flaky = await startFakeEngine({ mode: 'error500' });
    lateStart = await startFakeEngine({ headerDelayMs: 1500 });
    doomed = await startFakeEngine();
    const dead = await deadPort();
    gw = await startGateway(`
timeouts: { connect_ms: 1000, first_byte_ms: 400, total_ms: 2500 }
health: { interval_ms: 60000, failure_threshold: 2, cooldown_ms: 60000 }
shutdown: { grace_ms: 10000 }
backends:
  dead:  { kind: vllm, url: http://127.0.0.1:${dead} }
  good:  { kind: vllm, url: ${good.url} }
  broken: { kind: vllm, url: ${broken.url} }
  slow:  { kind: vllm, url: ${slow.url} }
  hang:  { kind: vllm, url: ${hanging.url} }
  dying: { kind: vllm, url: ${dying.url} }
  trunc: { kind: vllm, url: ${truncating.url} }
  flaky: { kind: vllm, url: ${flaky.url} }
  late:  { kind: vllm, url: ${lateStart.url} }
  doomed: { kind: vllm, url: ${doomed.url} }
models:
  - name: retry
    deployments: [ { backend: dead, model: fake-model }, { backend: good, model: fake-model } ]
  - name: late
    deployments: [ { backend: late, model: fake-model } ]
  - name: retry5xx
    deployments: [ { backend: flaky, model: fake-model }, { backend: good, model: fake-model } ]
  - name: retryconnect
    deployments: [ { backend: doomed, model: fake-model }, { backend: good, model: fake-model } ]
  - name: primary
    deployments: [ { backend: hang, model: fake-model } ]
    fallbacks: [backup]
  - name: backup
    deployments: [ { backend: good, model: fake-model } ]
  - name: all-broken
    deployments: [ { backend: broken, model: fake-model } ]
  - name: slow
    deployments: [ { backend: slow, model: fake-model } ]
  - name: hangs
    deployments: [ { backend: hang, model: fake-model } ]
  - name: dies
    deployments: [ { backend: dying, model: fake-model } ]
  - name: truncates
    deployments: [ { backend: trunc, model: fake-model } ]
`);
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
  });
  after(async () => {
    await gw.stop('SIGKILL');
    for (const e of [good, broken, slow, hanging, dying, truncating, flaky, lateStart]) await e.close();
  });

  it('marks dead and broken backends unhealthy at start, so ready lists them', async () => {
    const res = await fetch(`${gw.url}/health/ready`);
    const body = (await res.json()) as { status: string; models: Record<string, boolean> };
    assert.equal(res.status, 503);
    assert.equal(body.models['all-broken'], false);
    assert.equal(body.models.retry, true);
    assert.equal((await fetch(`${gw.url}/health/live`)).status, 200);
  });

  it('serves every request of a model with a dead replica', async () => {
    for (let i = 0; i < 6; i++) {
      const r = await client.chat.completions.create({ model: 'retry', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 });
      assert.equal(r.choices[0]?.message.content, 'hello');
    }
  });

  it('retries 5xx and connect errors before the first byte on another replica', async () => {
    await doomed.close(); // healthy at start, gone now: requests meet a refused connection
    const ask = async (model: string): Promise<void> => {
      const { data, response } = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }).withResponse();
      assert.equal(data.choices[0]?.message.content, 'hello');
      assert.equal(response.headers.get('x-relais-backend'), 'good');
    };
    // Ties between replicas are broken at random: ask until the failing replica was tried twice.
    for (let i = 0; i < 60 && (flaky.hits.get('/v1/chat/completions') ?? 0) < 2; i++) await ask('retry5xx');
    for (let i = 0; i < 20; i++) await ask('retryconnect'); // P(the dead replica never drawn) = 2^-20
    assert.equal(flaky.hits.get('/v1/chat/completions'), 2);
    // failure_threshold 2: the flaky replica is cut off after two failures.
    for (let i = 0; i < 10; i++) await ask('retry5xx');
    assert.equal(flaky.hits.get('/v1/chat/completions'), 2);
  });

  it('falls back to the next model when the primary times out before the first byte', async () => {
    const { data, response } = await client.chat.completions.create({ model: 'primary', messages: [{ role: 'user', content: 'x' }], max_tokens: 1 }).withResponse();
    assert.equal(data.choices[0]?.message.content, 'hello');
    assert.equal(response.headers.get('x-relais-backend'), 'good');
  });

  it('answers 504 when the only deployment hangs, and 503 once its breaker is open', async () => {
    const first = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: chat('hangs') });
    assert.equal(first.status, 504);
    assert.equal(((await first.json()) as { error: { type: string } }).error.type, 'timeout_error');
    await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: chat('hangs') });
    const hitsBefore = hanging.hits.get('/v1/chat/completions') ?? 0;
    const third = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: chat('hangs') });
    assert.equal(third.status, 503);
    assert.equal(hanging.hits.get('/v1/chat/completions') ?? 0, hitsBefore, 'an open breaker sends nothing upstream');
  });

  it('gives up on a stream whose first byte does not come within first_byte_ms', async () => {
    const t0 = performance.now();
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: chat('late', { stream: true }) });
    assert.equal(res.status, 504);
    assert.equal(((await res.json()) as { error: { type: string } }).error.type, 'timeout_error');
    assert.ok(performance.now() - t0 < 1400, 'answered before the engine would have');
  });

  it('stops the engine at once when the client goes away', async () => {
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: chat('slow', { stream: true, max_tokens: 200 }), signal: controller.signal });
    const reader = res.body!.getReader();
    let got = 0;
    while (got < 3) {
      const { value } = await reader.read();
      got += (new TextDecoder().decode(value).match(/tok\d+/g) ?? []).length;
    }
    controller.abort();
    await sleep(150);
    const atAbort = slow.tokensSent;
    await sleep(400);
    assert.equal(slow.abortedStreams, 1, 'the engine saw its connection closed');
    assert.ok(slow.tokensSent - atAbort <= 1, `engine kept generating after the client left: ${slow.tokensSent - atAbort} tokens`);
    assert.ok(slow.tokensSent < 30, `engine sent ${slow.tokensSent} of 200 tokens`);
    assert.equal(slow.activeStreams, 0);
  });

  it('sends an error event when the engine dies mid-stream or ends early', async () => {
    for (const model of ['dies', 'truncates']) {
      const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], max_tokens: 20, stream: true });
      let text = '';
      await assert.rejects(
        (async () => {
          for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        })(),
        (err: Error) => /stream|model server/i.test(err.message),
      );
      assert.ok(text.length > 0, 'some tokens arrived before the failure');
    }
  });

  it('answers 502 in OpenAI shape when every deployment fails with 5xx', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: chat('all-broken') });
    // Unhealthy at start (503), or tried and failed (502): either way a clear upstream error.
    assert.ok([502, 503].includes(res.status), `status ${res.status}`);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /all-broken/);
  });

  it('counts retries and errors in /metrics', async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(text, /relais_retries_total\{model="retry5xx",from_backend="flaky"\} 2/);
    assert.match(text, /relais_retries_total\{model="retryconnect",from_backend="doomed"\} [1-9]/);
    assert.match(text, /relais_backend_healthy\{backend="dead"\} 0/);
  });

  it('drains an in-flight stream on SIGTERM, then exits 0', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', body: chat('slow', { stream: true, max_tokens: 40 }) });
    const reader = res.body!.getReader();
    await reader.read();
    gw.proc.kill('SIGTERM');
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /tok39/);
    assert.match(text, /\[DONE\]/);
    assert.equal(await gw.exited, 0);
  });
});
