// Discrete-event clock: time jumps from one event to the next; nothing waits on the wall clock.
import type { Clock } from './clock.js';
import { EventHeap } from './event-heap.js';

export class VirtualClock implements Clock {
  private time = 0;
  private readonly heap = new EventHeap();

  now(): number {
    return this.time;
  }

  at(time: number, fn: () => void): void {
    this.heap.push(time < this.time ? this.time : time, fn);
  }

  /** Runs events in time order until none is left or `until` (simulated seconds) is passed. */
  run(until = Infinity): void {
    const heap = this.heap;
    while (heap.size > 0 && heap.peekTime() <= until) {
      const e = heap.pop();
      this.time = e.time;
      e.fn();
    }
  }

  get pending(): number {
    return this.heap.size;
  }
}
