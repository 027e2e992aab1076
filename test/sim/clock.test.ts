import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/sim/virtual-clock.js';
import { RealClock } from '../../src/sim/real-clock.js';

test('virtual clock: events run in time order, ties in insertion order, time jumps', () => {
  const c = new VirtualClock();
  const seen: string[] = [];
  c.at(2, () => seen.push(`b@${c.now()}`));
  c.at(1, () => {
    seen.push(`a@${c.now()}`);
    c.at(1, () => seen.push(`a2@${c.now()}`)); // same instant, scheduled later: runs after a
    c.at(0.5, () => seen.push(`past@${c.now()}`)); // in the past: runs now, not back in time
  });
  c.at(2, () => seen.push(`c@${c.now()}`));
  c.run();
  assert.deepEqual(seen, ['a@1', 'a2@1', 'past@1', 'b@2', 'c@2']);
});

test('virtual clock: run(until) stops before later events', () => {
  const c = new VirtualClock();
  let n = 0;
  for (let i = 1; i <= 10; i++) c.at(i, () => n++);
  c.run(5);
  assert.equal(n, 5);
  assert.equal(c.pending, 5);
});

test('real clock: simulated time runs `speed` times faster; events fire on time; lag is measured', async () => {
  const c = new RealClock(10);
  const t0 = performance.now();
  const fired = await new Promise<number>((resolve) => c.at(c.now() + 0.5, () => resolve(performance.now() - t0)));
  // Never early; the upper bound is loose because a busy machine fires timers late (lag measures exactly that).
  assert.ok(fired >= 45 && fired < 2_000, `0.5 simulated s at speed 10 took ${fired} ms`);
  const lag = c.lag();
  assert.equal(lag.events, 1);
  assert.ok(lag.maxMs >= 0 && lag.maxMs <= fired - 45, `lag ${lag.maxMs} ms is the lateness of the one event (${fired} ms for 50)`);
  let ran = false;
  c.at(c.now() + 0.1, () => (ran = true));
  c.stop();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(ran, false, 'stop cancels pending events');
});
