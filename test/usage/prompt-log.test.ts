// Prompt and response logs: kept for keys whose logging policy is 'full', and only for them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import { createKey } from '../support/admin-keys.js';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

const MASTER = 'sk-prompt-log-master';

describe('prompt logs', () => {
  let engine: FakeEngine;
  let gw: GatewayProcess;

  before(async () => {
    engine = await startFakeEngine();
    gw = await startGateway(`
master_key: ${MASTER}
log_level: warn
data_dir: ./data
backends:
  a: { kind: vllm, url: ${engine.url} }
models:
  - name: m
    deployments: [ { backend: a, model: fake-model } ]
`);
  });
  after(async () => {
    await gw.stop();
    await engine.close();
  });

  async function key(logging: string): Promise<{ id: string; key: string }> {
    return createKey(gw.url, MASTER, { name: `log-${logging}`, logging, log_retention_days: 7 });
  }

  it('stores the request and the response for logging: full, nothing for metadata', async () => {
    const full = await key('full');
    const meta = await key('metadata');
    for (const k of [full, meta]) {
      for (const stream of [false, true]) {
        const r = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${k.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', max_tokens: 2, stream, messages: [{ role: 'user', content: `secret question ${stream}` }] }),
        });
        assert.equal(r.status, 200);
        await r.text();
      }
    }
    assert.equal(await gw.stop(), 0); // SIGTERM flushes the batched writes
    const store = await openStore({ data_dir: join(gw.dir, 'data') });
    try {
      const logs = await store.listPromptLogs(full.id, 10);
      assert.equal(logs.length, 2);
      const joined = logs.map((l) => `${l.request}\n${l.response}`).join('\n');
      assert.match(joined, /secret question false/);
      assert.match(joined, /secret question true/);
      assert.match(joined, /hello hello/); // non-streamed answer
      assert.match(joined, /tok0 .*\[DONE\]/s); // streamed answer as the client saw it
      assert.ok(logs.every((l) => l.model === 'm'));
      assert.equal((await store.listPromptLogs(meta.id, 10)).length, 0);
    } finally {
      await store.close();
    }
  });
});
