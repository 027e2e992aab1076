// Overflow and queueing: a saturated local replica spills to a hosted deployment only when the key's
// data policy allows its zone; otherwise the request waits in the admission queue for local capacity.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

const MASTER = 'sk-overflow-master';

describe('overflow and admission queue', () => {
  let local: FakeEngine;
  let hosted: FakeEngine;
  let gw: GatewayProcess;

  before(async () => {
    local = await startFakeEngine({ tokenDelayMs: 30 });
    hosted = await startFakeEngine();
    gw = await startGateway(`
master_key: ${MASTER}
log_level: warn
backends:
  gpu:   { kind: vllm, url: ${local.url}, zone: local, max_concurrency: 1 }
  cloud: { kind: openai, url: ${hosted.url}/v1, zone: eu }
models:
  - name: m
    deployments: [ { backend: gpu, model: fake-model }, { backend: cloud, model: fake-model } ]
`);
  });
  after(async () => {
    await gw.stop();
    await Promise.all([local.close(), hosted.close()]);
  });

  async function key(zones: string[]): Promise<string> {
    const r = await fetch(`${gw.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `overflow-${zones.join('-')}`, zones }),
    });
    assert.equal(r.status, 201);
    return ((await r.json()) as { key: string }).key;
  }

  const ask = (secret: string, maxTokens: number): Promise<Response> =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: maxTokens, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });

  it('uses own hardware while it has room', async () => {
    const any = await key(['any']);
    const r = await ask(any, 1);
    assert.equal(r.headers.get('x-relais-backend'), 'gpu');
    await r.text();
  });

  it('spills to the hosted zone when the local replica is saturated and the key allows it', async () => {
    const any = await key(['any']);
    const busy = await ask(any, 20); // holds the only local slot for ~600 ms
    assert.equal(busy.headers.get('x-relais-backend'), 'gpu');
    const spill = await ask(any, 1);
    assert.equal(spill.headers.get('x-relais-backend'), 'cloud');
    await Promise.all([busy.text(), spill.text()]);
  });

  it('queues a local-only key instead, and serves it locally once the slot frees', async () => {
    const any = await key(['any']);
    const localOnly = await key(['local']);
    const cloudBefore = hosted.hits.get('/v1/chat/completions') ?? 0;
    const busy = await ask(any, 20);
    assert.equal(busy.headers.get('x-relais-backend'), 'gpu');
    const t0 = performance.now();
    const waiting = ask(localOnly, 1);
    const busyText = busy.text();
    const r = await waiting;
    assert.equal(r.headers.get('x-relais-backend'), 'gpu');
    assert.ok(Number(r.headers.get('x-relais-queue-ms')) > 100, `queued ${r.headers.get('x-relais-queue-ms')} ms`);
    assert.ok(performance.now() - t0 > 100);
    await Promise.all([busyText, r.text()]);
    assert.equal(hosted.hits.get('/v1/chat/completions') ?? 0, cloudBefore, 'the local-only key never reached the eu backend');
  });
});
