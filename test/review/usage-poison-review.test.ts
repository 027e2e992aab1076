// Review: one record must never stop usage writes. Text PostgreSQL cannot store (U+0000, lone
// surrogates) is made storable in the store layer; a record the store still refuses is dropped and
// logged with its request id while every other record of its batch is written.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUsageWriter } from '../../src/usage/batched-writer.js';
import type { UsageRecord } from '../../src/usage/record.js';
import { testStores } from '../store/services.js';

const DAY = 86_400_000;
const rec = (i: number, over: Partial<UsageRecord> = {}): UsageRecord => ({
  requestId: `p-${i}`, time: Date.now(), keyId: 'k', model: 'm', endpoint: 'chat', backend: 'b', status: 200, outcome: 'completed',
  promptTokens: 3, completionTokens: 4, cachedTokens: 0, tokensEstimated: false, cost: 0.001, queueMs: 0, totalMs: 2, stream: false, ...over,
});

for (const kind of testStores) {
  describe(`review: poison usage records (${kind.name})`, () => {
    it('writes records whose text holds U+0000 or lone surrogates, with U+FFFD in their place', async () => {
      const { store, cleanup } = await kind.open();
      try {
        const warnings: string[] = [];
        const w = createUsageWriter(store, { batchSize: 50, flushMs: 10_000, warn: (m) => warnings.push(m) });
        for (let i = 0; i < 120; i++) w.record(rec(i));
        // An engine error echoing the client's bytes, and a model name the client made up.
        w.record(rec(1000, { status: 400, outcome: 'rejected', error: 'bad input: "a\u0000b"', finishReason: 'x\ud800' }));
        w.record(rec(1001, { status: 404, outcome: 'rejected', model: 'm\u0000\udc00', keyId: 'k\u0000' }));
        for (let i = 120; i < 200; i++) w.record(rec(i));
        await w.close(2_000);
        assert.equal(await store.countUsage(), 202, warnings.join('\n'));
        assert.equal(w.stats.refused, 0);
        const byModel = await store.usage({ groupBy: 'model', from: 0, to: (Math.floor(Date.now() / DAY) + 1) * DAY });
        assert.deepEqual(byModel.map((r) => [r.group, r.requests]), [['m', 201], ['m\uFFFD\uFFFD', 1]]);
        const raw = await store.usage({ groupBy: 'key', from: 0, to: Date.now() + 1 });
        assert.ok(raw.some((r) => r.group === 'k\uFFFD'), JSON.stringify(raw));
      } finally {
        await cleanup();
      }
    });

    it('drops the one record the store refuses, logs its request id, and writes the rest of its batch', async () => {
      const { store, cleanup } = await kind.open();
      try {
        const warnings: string[] = [];
        const w = createUsageWriter(store, { batchSize: 64, flushMs: 10_000, warn: (m) => warnings.push(m) });
        for (let i = 0; i < 100; i++) w.record(i === 37 ? rec(i, { time: Number.NaN }) : rec(i));
        await w.close(2_000);
        assert.equal(await store.countUsage(), 99);
        assert.equal(w.stats.written, 99);
        assert.equal(w.stats.refused, 1);
        assert.equal(warnings.filter((m) => m.includes('p-37')).length, 1, warnings.join('\n'));
        // Later records are not held back by the dropped one.
        w.record(rec(500));
        await w.flush();
        assert.equal(await store.countUsage(), 100);
      } finally {
        await cleanup();
      }
    });
  });
}
