// Review: the client's x-request-id is used as the limiter's lease / window id, so reusing one id
// defeats a key's concurrency limit (and leaks budget reservations).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { createAccess } from '../../src/access/create-access.js';
import { createKey } from '../../src/access/identity-ops.js';
import { sqliteTestStore } from '../store/services.js';
import { chatBody, sleep, startEngine, startInProcess } from './harness.js';

describe('review: request ids and limits', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  it('a key with concurrency 2 cannot run 5 requests at once by reusing one x-request-id', async () => {
    const eng = await startEngine(async (_q, res, body) => {
      await sleep(400);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: body.model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
    });
    closers.push(eng.close);
    const { store, cleanup } = await sqliteTestStore.open();
    closers.push(cleanup);
    const { secret } = await createKey(store, { name: 'c2', concurrency: 2 }, 'test');
    const models = [{ name: 'm', deployments: [{ backend: 'b', model: 'm' }] }];
    const access = await createAccess({ config: { models, access: { refresh_ms: 1000, log_retention_days: 30 } } as never, store, redis: null, warn: () => undefined });
    closers.push(() => access.close());
    const gw = await startInProcess({ backends: { b: { kind: 'vllm', url: eng.url } }, models }, { access });
    closers.push(gw.close);
    const send = (id: string) =>
      fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}`, 'x-request-id': id }, body: chatBody('m') }).then((r) => r.status);
    const distinct = await Promise.all([1, 2, 3, 4, 5].map((i) => send(`distinct-${i}`)));
    assert.equal(distinct.filter((s) => s === 200).length, 2, `distinct ids: ${distinct}`);
    const same = await Promise.all([1, 2, 3, 4, 5].map(() => send('same-id')));
    assert.equal(same.filter((s) => s === 200).length, 2, `one reused id: ${same} (all admitted => concurrency limit bypassed)`);
  });
});
