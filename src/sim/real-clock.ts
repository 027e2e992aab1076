// Wall-clock driver: simulated time = elapsed real time × speed. One node timer serves every replica
// sharing the clock (events due within the same millisecond run in one callback). Callbacks run at
// their scheduled simulated time even when late, so lateness shows as lag instead of skewing the
// simulated timeline; lag statistics tell how far the process fell behind.
import type { Clock } from './clock.js';
import { EventHeap } from './event-heap.js';

export interface LagStats {
  /** Events run. */
  events: number;
  /** Mean and max lateness in real milliseconds. */
  meanMs: number;
  maxMs: number;
  /** Lateness of the last event run, real milliseconds. */
  lastMs: number;
}

export class RealClock implements Clock {
  private readonly origin = performance.now();
  private readonly heap = new EventHeap();
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;
  private stopped = false;
  private lagSum = 0;
  private lagMax = 0;
  private lagLast = 0;
  private events = 0;

  constructor(readonly speed = 1) {
    if (!(speed > 0)) throw new Error('speed must be > 0');
  }

  now(): number {
    return ((performance.now() - this.origin) / 1000) * this.speed;
  }

  at(time: number, fn: () => void): void {
    if (this.stopped) return;
    this.heap.push(time, fn);
    if (time < this.armedAt) this.arm(time);
  }

  lag(): LagStats {
    return {
      events: this.events,
      meanMs: this.events > 0 ? this.lagSum / this.events : 0,
      maxMs: this.lagMax,
      lastMs: this.lagLast,
    };
  }

  resetLag(): void {
    this.lagSum = this.lagMax = this.lagLast = this.events = 0;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.heap.clear();
  }

  private arm(time: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = time;
    const delayMs = ((time - this.now()) / this.speed) * 1000;
    this.timer = setTimeout(this.fire, delayMs > 1 ? Math.floor(delayMs) : 0);
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const heap = this.heap;
    // Run everything due up to half a millisecond ahead: timers have 1 ms granularity.
    const horizon = this.now() + (0.0005 * this.speed);
    let guard = 0;
    while (heap.size > 0 && heap.peekTime() <= horizon && !this.stopped) {
      const e = heap.pop();
      const lateMs = ((this.now() - e.time) / this.speed) * 1000;
      const late = lateMs > 0 ? lateMs : 0;
      this.lagSum += late;
      this.lagLast = late;
      if (late > this.lagMax) this.lagMax = late;
      this.events++;
      e.fn();
      // Yield to I/O now and then so a backlog of events cannot starve sockets.
      if (++guard >= 2000) break;
    }
    if (heap.size > 0 && !this.stopped) this.arm(heap.peekTime());
  };
}
