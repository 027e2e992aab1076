// The admission queue: priority classes, fair share between keys, bounded length and wait.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdmissionQueue } from '../../src/router/admission-queue.js';
import { GatewayError } from '../../src/protocol/errors.js';

/** A model with `slots` concurrent requests; tests take and free slots by hand. */
function model(slots: number, maxLength = 100, maxWaitMs = 5_000) {
  let used = 0;
  const queue = new AdmissionQueue('m', { maxLength, maxWaitMs });
  const room = (): boolean => used < slots;
  const started: string[] = [];
  const waiting: { ac: AbortController; p: Promise<unknown> }[] = [];
  const enter = (key: string, priority: 'interactive' | 'batch' = 'interactive', signal?: AbortSignal): Promise<number> => {
    const ac = new AbortController();
    signal?.addEventListener('abort', () => ac.abort());
    const p = (async () => {
      const w = queue.acquire(key, priority, ac.signal, room);
      const ms = typeof w === 'number' ? w : await w;
      used++;
      started.push(key);
      return ms;
    })();
    waiting.push({ ac, p: p.catch(() => undefined) });
    return p;
  };
  /** Sends away whoever still waits, so no timer outlives the test. */
  const cleanup = async (): Promise<void> => {
    for (const w of waiting) w.ac.abort();
    await Promise.all(waiting.map((w) => w.p));
  };
  const leave = (): void => {
    used--;
    queue.dispatch();
  };
  return { queue, enter, leave, started, cleanup };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('admission queue', () => {
  it('admits at once while there is capacity', async () => {
    const m = model(2);
    assert.equal(await m.enter('a'), 0);
    assert.equal(await m.enter('a'), 0);
    assert.equal(m.queue.length, 0);
  });

  it('serves interactive before batch', async () => {
    const m = model(1);
    await m.enter('x');
    void m.enter('b1', 'batch');
    void m.enter('i1', 'interactive');
    await tick();
    assert.equal(m.queue.length, 2);
    m.leave();
    await tick();
    m.leave();
    await tick();
    assert.deepEqual(m.started.slice(1), ['i1', 'b1']);
  });

  it('shares fairly between keys: a burst from one key does not starve another', async () => {
    const m = model(1);
    await m.enter('warm');
    for (let i = 0; i < 10; i++) void m.enter('heavy');
    void m.enter('light');
    await tick();
    m.leave();
    await tick();
    m.leave();
    await tick();
    // The light key is second in line, not eleventh.
    assert.deepEqual(m.started.slice(1, 3), ['heavy', 'light']);
    await m.cleanup();
  });

  it('lets a request with room go past one that has none (keys limited to other zones)', async () => {
    const queue = new AdmissionQueue('m', { maxLength: 10, maxWaitMs: 5_000 });
    let localFree = false;
    let cloudFree = false;
    const order: string[] = [];
    const ac = new AbortController();
    const enter = async (key: string, room: () => boolean): Promise<void> => {
      const w = queue.acquire(key, 'interactive', ac.signal, room);
      if (typeof w !== 'number') await w;
      order.push(key);
    };
    const localOnly = enter('local-only', () => localFree);
    const anyZone = enter('any-zone', () => localFree || cloudFree);
    await tick();
    cloudFree = true;
    queue.dispatch();
    await anyZone;
    assert.deepEqual(order, ['any-zone']);
    localFree = true;
    queue.dispatch();
    await localOnly;
    assert.deepEqual(order, ['any-zone', 'local-only']);
  });

  it('answers 429 when full and 503 after the longest wait', async () => {
    const m = model(0, 2, 50);
    const p1 = m.enter('a');
    const p2 = m.enter('a');
    assert.throws(
      () => m.queue.acquire('a', 'interactive', new AbortController().signal, () => false),
      (e: unknown) => e instanceof GatewayError && e.status === 429 && e.headers['retry-after'] === '1',
    );
    await assert.rejects(p1, (e: unknown) => e instanceof GatewayError && e.status === 503);
    await assert.rejects(p2, (e: unknown) => e instanceof GatewayError && e.status === 503);
    assert.equal(m.queue.length, 0);
  });

  it('forgets a waiter whose client went away', async () => {
    const m = model(1);
    await m.enter('x');
    const ac = new AbortController();
    const p = m.enter('gone', 'interactive', ac.signal);
    void m.enter('stays');
    await tick();
    ac.abort();
    await assert.rejects(p);
    m.leave();
    await tick();
    assert.deepEqual(m.started, ['x', 'stays']);
  });
});
