// The usage writer loses nothing: batches off the hot path, retries a failing store, flushes on close.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createUsageWriter } from '../../src/usage/batched-writer.js';
import type { UsageRecord } from '../../src/usage/record.js';
import type { Store } from '../../src/store/types.js';
import { testStores } from '../store/services.js';

const rec = (i: number): UsageRecord => ({
  requestId: `w${i}`, time: Date.now(), keyId: `k${i % 7}`, model: 'm', endpoint: 'chat', backend: 'b', status: 200, outcome: 'completed',
  promptTokens: 3, completionTokens: 4, cachedTokens: 0, tokensEstimated: false, cost: 0.001, queueMs: 0, ttftMs: 1, totalMs: 2, stream: true,
});

/** A store whose usage writes fail the first `failures` times, like a database restarting. */
function flaky(store: Store, failures: number): Store {
  let left = failures;
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'insertUsage') {
        return async (records: readonly UsageRecord[]) => {
          if (left-- > 0) throw new Error('connection refused (simulated)');
          return target.insertUsage(records);
        };
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

for (const kind of testStores) {
  describe(`usage writer: ${kind.name}`, () => {
    it('writes 20,000 records recorded in a burst, all of them, by close', async () => {
      const { store, cleanup } = await kind.open();
      try {
        const w = createUsageWriter(store, { batchSize: 500, flushMs: 50, warn: () => undefined });
        const t0 = performance.now();
        for (let i = 0; i < 20_000; i++) w.record(rec(i));
        const recordUs = ((performance.now() - t0) * 1000) / 20_000;
        await w.close();
        console.log(`# ${kind.name}: record() ${recordUs.toFixed(2)} µs each; written ${w.stats.written}`);
        assert.equal(await store.countUsage(), 20_000);
        assert.equal(w.stats.written, 20_000);
        const byKey = await store.usage({ groupBy: 'key', from: 0, to: (Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000 });
        assert.equal(byKey.reduce((s, r) => s + r.requests, 0), 20_000);
      } finally {
        await cleanup();
      }
    });

    it('writes in the background within flushMs, and keeps a failed batch to retry', async () => {
      const { store, cleanup } = await kind.open();
      try {
        const w = createUsageWriter(flaky(store, 2), { batchSize: 100, flushMs: 30, warn: () => undefined });
        for (let i = 0; i < 250; i++) w.record(rec(i));
        assert.equal(w.stats.buffered, 250, 'record() never writes synchronously');
        // Background retries land within a few flush periods; poll (bounded) rather than trust one sleep on a busy machine.
        for (const end = Date.now() + 10_000; (await store.countUsage()) < 250 && Date.now() < end; ) await sleep(30);
        assert.equal(await store.countUsage(), 250);
        assert.equal(w.stats.failedWrites, 2);
        for (let i = 250; i < 260; i++) w.record(rec(i));
        await w.close();
        assert.equal(await store.countUsage(), 260, 'exactly once each, none lost, none doubled');
      } finally {
        await cleanup();
      }
    });

    it('records that arrive during a write wait for a full batch or the timer, instead of going one transaction each', async () => {
      const { store, cleanup } = await kind.open();
      try {
        // The store as a slow database answers: every write takes 40 ms; the sizes it was given are kept.
        const sizes: number[] = [];
        const slow = new Proxy(store, {
          get(target, prop, receiver) {
            if (prop === 'insertUsage') {
              return async (records: readonly UsageRecord[], ...rest: unknown[]) => {
                sizes.push(records.length);
                await sleep(40);
                return (target.insertUsage as (...a: unknown[]) => Promise<void>)(records, ...rest);
              };
            }
            const v: unknown = Reflect.get(target, prop, receiver);
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        });
        const w = createUsageWriter(slow, { batchSize: 200, flushMs: 60_000, warn: () => undefined });
        // A steady stream: 10 records every 5 ms, 1,200 in all (writes start once 200 are buffered).
        for (let i = 0; i < 1_200; i += 10) {
          for (let j = i; j < i + 10; j++) w.record(rec(j));
          await sleep(5);
        }
        await w.close();
        assert.equal(await store.countUsage(), 1_200);
        // Draining until empty wrote ~80 records per 40-ms write from the second batch on, none of them full.
        const full = sizes.filter((n) => n === 200).length;
        assert.ok(full >= 5, `batch sizes ${sizes.join(', ')}`);
        assert.ok(sizes.length <= 7, `batch sizes ${sizes.join(', ')}`);
      } finally {
        await cleanup();
      }
    });

    it('keeps prompt logs for their retention and purges them after', async () => {
      const { store, cleanup } = await kind.open();
      try {
        const w = createUsageWriter(store, { purgeEveryMs: 0, warn: () => undefined });
        const now = Date.now();
        w.recordPrompt({ requestId: 'p1', time: now - 3 * 86_400_000, keyId: 'k1', model: 'm', request: '{"messages":[]}', response: 'old', retentionDays: 2 });
        w.recordPrompt({ requestId: 'p2', time: now, keyId: 'k1', model: 'm', request: '{"messages":[]}', response: 'new', retentionDays: 2 });
        await w.flush();
        assert.equal(await w.purge(now), 1);
        assert.deepEqual((await store.listPromptLogs('k1', 10)).map((p) => p.response), ['new']);
        await w.close();
      } finally {
        await cleanup();
      }
    });
  });
}
