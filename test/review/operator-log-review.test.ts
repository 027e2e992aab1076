// Review: what operators see. One access-log line per request (key id, never the secret; opt-out), an
// error line with the request id for every 500, and metrics that tell aborted streams and embeddings
// apart; /health/ready is not ready with no model to serve.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdmissionInput, Ticket } from '../../src/access/access.js';
import type { Principal } from '../../src/access/principal.js';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { capturedLog, chatBody, CountingAccess, sleep, startInProcess } from './harness.js';
import { startKeyedGateway, type KeyedGateway } from './keyed-gateway.js';

const waitFor = async (cond: () => boolean, ms = 5_000): Promise<void> => {
  const until = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > until) throw new Error('condition not met in time');
    await sleep(20);
  }
};

describe('review: operators see every request', () => {
  let sim: SimFleet;
  let gw: KeyedGateway;
  const captured = capturedLog();
  const access = (): Record<string, unknown>[] => captured.lines.filter((l) => l.msg === 'access');
  const config = (url: string): Record<string, unknown> => ({
    master_key: 'mk-operators',
    backends: { sim: { kind: 'vllm', url } },
    models: [{ name: 'chat', deployments: [{ backend: 'sim', model: 'sim-chat' }] }],
  });
  before(async () => {
    sim = await startSimFleet({ replicas: 1, servedModelName: 'sim-chat', speed: 2, seed: 6 });
    gw = await startKeyedGateway(config(sim.urls[0] as string), null, captured.log);
  });
  after(async () => {
    await gw.close();
    await sim.close();
  });

  it('writes one access line per request with key id, model, backend, tokens, status, outcome, latency and request id — never the secret', async () => {
    const { id, secret } = await gw.key({});
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'x-request-id': 'acc-1' }, body: chatBody('chat', { max_tokens: 3 }) });
    assert.equal(r.status, 200);
    await r.text();
    const bad = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk-wrong', 'x-request-id': 'acc-2' }, body: chatBody('chat') });
    assert.equal(bad.status, 401);
    await bad.text();
    const list = await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${secret}`, 'x-request-id': 'acc-3' } });
    await list.text();
    await waitFor(() => access().length >= 3);
    const [ok, denied, models] = ['acc-1', 'acc-2', 'acc-3'].map((rid) => access().find((l) => l.requestId === rid));
    assert.deepEqual(
      { method: ok?.method, path: ok?.path, model: ok?.model, keyId: ok?.keyId, status: ok?.status, outcome: ok?.outcome, backend: ok?.backend, completionTokens: ok?.completionTokens, level: ok?.level },
      { method: 'POST', path: '/v1/chat/completions', model: 'chat', keyId: id, status: 200, outcome: 'completed', backend: 'sim', completionTokens: 3, level: 'info' },
    );
    assert.ok(typeof ok?.promptTokens === 'number' && ok.promptTokens > 0);
    assert.ok(typeof ok?.ms === 'number' && ok.ms > 0);
    assert.deepEqual([denied?.status, denied?.outcome], [401, 'rejected']);
    assert.deepEqual([models?.path, models?.status, models?.keyId], ['/v1/models', 200, id]);
    assert.equal(JSON.stringify(captured.lines).includes(secret), false, 'no secret in any log line');
    assert.equal(JSON.stringify(captured.lines).includes('sk-wrong'), false);
  });

  it('counts an aborted stream as 499 client_aborted in the metrics, not as 200', async () => {
    const ac = new AbortController();
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer mk-operators', 'x-request-id': 'acc-abort' }, body: chatBody('chat', { max_tokens: 2_000, stream: true }), signal: ac.signal });
    const reader = r.body!.getReader();
    await reader.read();
    ac.abort();
    await waitFor(() => gw.usage.records.some((rec) => rec.requestId === 'acc-abort'));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.match(metrics, /relais_requests_total\{model="chat",backend="sim",endpoint="chat",status="499",outcome="client_aborted"\} 1\n/);
    await waitFor(() => access().some((l) => l.requestId === 'acc-abort'));
    assert.equal(access().find((l) => l.requestId === 'acc-abort')?.outcome, 'client_aborted');
  });
});

describe('review: metrics, readiness and the opt-out', () => {
  it('records no time to first token for embeddings', async () => {
    const sim = await startSimFleet({ replicas: 1, servedModelName: 'sim-emb', speed: 2, seed: 7 });
    const gw = await startInProcess({ health: { interval_ms: 60_000 }, backends: { sim: { kind: 'vllm', url: sim.urls[0] } }, models: [{ name: 'emb', deployments: [{ backend: 'sim', model: 'sim-emb' }] }] });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${gw.url}/v1/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'emb', input: 'hello' }) });
        assert.equal(r.status, 200);
        await r.text();
      }
      const metrics = await (await fetch(`${gw.url}/metrics`)).text();
      assert.match(metrics, /relais_request_duration_seconds_count\{model="emb",backend="sim"\} 3/);
      assert.doesNotMatch(metrics, /relais_time_to_first_token_seconds_count\{model="emb"/);
    } finally {
      await gw.close();
      await sim.close();
    }
  });

  it('/health/ready is not ready when no model is served', async () => {
    const gw = await startInProcess({});
    try {
      const r = await fetch(`${gw.url}/health/ready`);
      assert.equal(r.status, 503);
      assert.equal(((await r.json()) as { status: string }).status, 'not ready');
    } finally {
      await gw.close();
    }
  });

  it('access_log: false writes no access line', async () => {
    const captured = capturedLog();
    const gw = await startInProcess({ access_log: false }, { log: captured.log });
    try {
      await (await fetch(`${gw.url}/v1/models`)).text();
      await sleep(50);
      assert.equal(captured.lines.filter((l) => l.msg === 'access').length, 0);
    } finally {
      await gw.close();
    }
  });

  it('logs every 500 at error with its request id (an access stage that fails unexpectedly)', async () => {
    class FailingAccess extends CountingAccess {
      override admit(_p: Principal, _i: AdmissionInput): Promise<Ticket> {
        return Promise.reject(new Error('the limiter store exploded'));
      }
    }
    const sim = await startSimFleet({ replicas: 1, servedModelName: 'sim-chat', speed: 2, seed: 8 });
    const captured = capturedLog();
    const gw = await startInProcess({ health: { interval_ms: 60_000 }, backends: { sim: { kind: 'vllm', url: sim.urls[0] } }, models: [{ name: 'chat', deployments: [{ backend: 'sim', model: 'sim-chat' }] }] }, { log: captured.log, access: new FailingAccess() });
    try {
      const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'boom-1' }, body: chatBody('chat') });
      assert.equal(r.status, 500);
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'internal_error');
      await waitFor(() => captured.lines.some((l) => l.msg === 'access' && l.requestId === 'boom-1'));
      const errors = captured.lines.filter((l) => l.level === 'error');
      assert.equal(errors.length, 1, JSON.stringify(errors));
      assert.equal(errors[0]?.requestId, 'boom-1');
      assert.match(String(errors[0]?.error), /the limiter store exploded/);
      assert.deepEqual([captured.lines.find((l) => l.msg === 'access')?.status, captured.lines.find((l) => l.msg === 'access')?.outcome], [500, 'rejected']);
    } finally {
      await gw.close();
      await sim.close();
    }
  });
});
