// A worker's limiter sends the calls made while a batch is with the primary as one message, and each
// call still gets its own decision, in order. The primary here is its answering code and a MemoryLimiter behind a 5-ms hop.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryLimiter } from '../../src/access/memory-limiter.js';
import type { LimitSpec } from '../../src/access/limiter.js';
import { IpcLimiter } from '../../src/workers/ipc-limiter.js';
import { answerBatch } from '../../src/workers/limiter-calls.js';
import type { LimiterBatch } from '../../src/workers/messages.js';

it('ipc limiter: 200 admissions and their settlements go in a few messages, decided exactly', async () => {
  const primary = new MemoryLimiter({ windowMs: 60_000 });
  const batches: number[] = [];
  const worker: IpcLimiter = new IpcLimiter((m: LimiterBatch) => {
    if (!('calls' in m)) return;
    batches.push(m.calls.length);
    // The primary's own answering code, one hop of 5 ms away.
    void sleep(5)
      .then(() => answerBatch(primary, m.calls, new Map()))
      .then((replies) => worker.receive({ t: 'limiter-batch', replies }));
  });
  const spec: LimitSpec = { rpm: 120, tpm: null, concurrency: null, budget: { limit: 1_000, periodStart: 0, periodEnd: null, seed: 0 } };
  const ids = Array.from({ length: 200 }, (_, i) => `ipc-${i}`);
  const results = await Promise.all(ids.map((requestId) => worker.acquire('k', spec, { requestId, tokens: 1, reserve: 1 })));
  assert.equal(results.filter((r) => r.ok).length, 120);
  await Promise.all(ids.filter((_, i) => results[i]?.ok).map((requestId) => worker.release('k', spec, { requestId, tokens: 1, cost: 0.25 })));
  const state = await worker.peek('k', spec);
  assert.equal(state.budget?.spent, 30);
  assert.equal(state.budget?.reserved, 0);
  // 200 admissions, 120 settlements and a peek: one message per call would be 321.
  assert.ok(batches.length <= 6, `messages: ${batches.join(', ')}`);
  await assert.rejects(worker.acquire('k', spec, { requestId: 'bad', tokens: -1, reserve: 0 }), { name: 'LimiterInputError' });
});
