// A key limited to zone `local` never reaches an `eu` backend: not by choice, not as a fallback.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createKey } from '../support/admin-keys.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

const MASTER = 'sk-zones-master';

describe('data zones', () => {
  let local: FakeEngine;
  let localDown: FakeEngine;
  let eu: FakeEngine;
  let gw: GatewayProcess;

  before(async () => {
    local = await startFakeEngine();
    localDown = await startFakeEngine({ mode: 'error500' });
    eu = await startFakeEngine();
    gw = await startGateway(`
master_key: ${MASTER}
log_level: warn
backends:
  here: { kind: vllm, url: ${local.url}, zone: local }
  here-broken: { kind: vllm, url: ${localDown.url}, zone: local }
  paris: { kind: vllm, url: ${eu.url}, zone: eu }
models:
  - name: both
    deployments: [ { backend: paris, model: fake-model }, { backend: here, model: fake-model } ]
  - name: eu-only
    deployments: [ { backend: paris, model: fake-model } ]
  - name: local-broken
    deployments: [ { backend: here-broken, model: fake-model } ]
    fallbacks: [ eu-only ]
`);
  });
  after(async () => {
    await gw.stop();
    await Promise.all([local.close(), localDown.close(), eu.close()]);
  });

  async function key(zones: string[]): Promise<string> {
    return (await createKey(gw.url, MASTER, { name: `zones-${zones.join('-')}`, zones })).key;
  }

  const euChats = (): number => eu.hits.get('/v1/chat/completions') ?? 0;

  async function chat(secret: string, model: string): Promise<number> {
    const r = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 2, messages: [{ role: 'user', content: 'where am I?' }] }),
    });
    await r.text();
    return r.status;
  }

  it('routes a local key only to local backends, and refuses rather than fall back to eu', async () => {
    const secret = await key(['local']);
    const before = euChats();
    for (let i = 0; i < 20; i++) assert.equal(await chat(secret, 'both'), 200);
    assert.ok((local.hits.get('/v1/chat/completions') ?? 0) >= 20);
    const euOnly = await chat(secret, 'eu-only');
    assert.ok(euOnly >= 400, `eu-only answered ${euOnly}`);
    const broken = await chat(secret, 'local-broken');
    assert.ok(broken >= 400, `local-broken answered ${broken}`);
    assert.equal(euChats(), before, 'no request of the local key reached the eu backend');
  });

  it('lets an unrestricted key use the same eu fallback (the test above is not vacuous)', async () => {
    const secret = await key(['any']);
    const before = euChats();
    assert.equal(await chat(secret, 'local-broken'), 200);
    assert.equal(await chat(secret, 'eu-only'), 200);
    assert.equal(euChats(), before + 2);
  });
});
