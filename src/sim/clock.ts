// The clock the engine core runs on. Times are simulated seconds; the same core runs on a virtual
// clock (discrete events, as fast as possible) or a real one (timers, optionally sped up).

export interface Clock {
  /** Current simulated time in seconds. */
  now(): number;
  /** Run fn at simulated time `time` (or as soon as possible if that time has passed). */
  at(time: number, fn: () => void): void;
}
