// SIGTERM under load: the gateway drains, flushes, and the store holds one record per request answered.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore } from '../../src/store/open-store.js';
import { startFakeEngine } from '../support/fake-engine.js';
import { startGateway } from '../support/gateway-process.js';

it('SIGTERM under load: usage records = requests answered', async () => {
  const engine = await startFakeEngine({ tokenDelayMs: 20, defaultTokens: 10 });
  const gw = await startGateway(`
log_level: warn
shutdown: { grace_ms: 20000 }
backends:
  a: { kind: vllm, url: ${engine.url} }
models:
  - name: m
    deployments: [ { backend: a, model: fake-model } ]
`);
  let answered = 0;
  let answeredAfterSignal = 0;
  let refused = 0;
  let turnedAway = 0;
  let signalled = false;
  let stopping = false;
  const one = async (i: number): Promise<void> => {
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ model: 'm', stream: i % 2 === 0, max_tokens: 10, messages: [{ role: 'user', content: `hello ${i}` }] }),
      });
      const text = await res.text();
      // Arrived during the drain: told to go elsewhere before admission, so no usage record.
      if (res.status === 503 && text.includes('shutting_down')) {
        turnedAway++;
        return;
      }
      answered++;
      if (signalled) answeredAfterSignal++;
    } catch {
      // Connection refused or reset once the gateway stopped listening: never answered.
      refused++;
    }
  };
  // 16 clients in a loop; SIGTERM lands while ~16 requests are in flight.
  const clients = Array.from({ length: 16 }, async (_, c) => {
    for (let i = 0; !stopping || i < 2; i++) {
      await one(c * 1000 + i);
      if (gw.proc.exitCode !== null) break;
    }
  });
  // Signal once the load is established (not after a fixed time: a busy machine answers fewer per second).
  for (const end = Date.now() + 30_000; answered < 60 && Date.now() < end; ) await sleep(50);
  stopping = true;
  signalled = true;
  const code = await gw.stop('SIGTERM');
  await Promise.all(clients);
  await engine.close();
  assert.equal(code, 0, gw.lines.join('\n'));
  const store = await openStore({ data_dir: join(gw.dir, '.relais') });
  try {
    const recorded = await store.countUsage();
    console.log(`# answered ${answered} (${answeredAfterSignal} finished during the drain), refused after stop ${refused}, turned away during the drain ${turnedAway}, recorded ${recorded}`);
    assert.ok(answered > 50, `answered ${answered}`);
    assert.ok(answeredAfterSignal > 0, 'requests were in flight when SIGTERM arrived');
    assert.equal(recorded, answered);
  } finally {
    await store.close();
  }
});
