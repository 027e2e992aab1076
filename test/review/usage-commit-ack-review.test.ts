// Review: a connection lost after PostgreSQL committed a batch but before its answer arrived made the
// writer retry a batch already written (219 requests → 307 records in the outage test). The writer's
// watermark, moved in the batch's own transaction, tells what was written: nothing is written twice.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JournalMark, Store } from '../../src/store/types.js';
import { createUsageWriter } from '../../src/usage/batched-writer.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { testStores } from '../store/services.js';

const rec = (i: number): UsageRecord => ({
  requestId: `ack-${i}`, time: Date.now(), keyId: 'k', model: 'm', endpoint: 'chat', backend: 'b', status: 200, outcome: 'completed',
  promptTokens: 3, completionTokens: 4, cachedTokens: 0, tokensEstimated: false, cost: 0.001, queueMs: 0, totalMs: 2, stream: false,
});

/** The store commits, then the answer is lost: the caller sees a connection error (SQLSTATE 08006) on the listed calls. */
function lostAnswers(store: Store, calls: Set<number>): Store {
  let n = 0;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'insertUsage') {
        return async (records: readonly UsageRecord[], mark?: JournalMark) => {
          await target.insertUsage(records, mark);
          if (calls.has(++n)) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' });
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

for (const kind of testStores) {
  describe(`review: usage batch committed but its answer lost (${kind.name})`, () => {
    it('writes every record exactly once', async () => {
      const { store, cleanup } = await kind.open();
      try {
        const w = createUsageWriter(lostAnswers(store, new Set([1, 3, 4])), { batchSize: 50, flushMs: 10_000, warn: () => undefined });
        for (let i = 0; i < 120; i++) w.record(rec(i));
        await w.flush().catch(() => undefined);
        for (let i = 120; i < 200; i++) w.record(rec(i));
        await w.close(5_000);
        assert.equal(await store.countUsage(), 200, 'no batch written twice');
        assert.equal(w.stats.written, 200);
        assert.equal(await store.journalMark('any'), 0);
      } finally {
        await cleanup();
      }
    });
  });
}
