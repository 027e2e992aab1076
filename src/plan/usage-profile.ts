// The load a gateway actually carried, from its usage records: simultaneous requests per hour of the day (peak,
// p95 and mean, time-weighted over every day of the range), prompt and output sizes, the share of prompt tokens
// served from the prefix cache, and the models asked for. Records arrive oldest first; each occupies
// [time, time + totalMs]. Rejected requests never reached an engine and are left out.
import type { UsageRecord } from '../usage/record.js';

const HOUR_MS = 3_600_000;

export interface HourLoad {
  /** Hour of the day, 0–23, in the profile's time zone. */
  readonly hour: number;
  /** Requests that started in this hour, over the whole range. */
  readonly requests: number;
  /** Most requests in flight at once in this hour on any day. */
  readonly peak: number;
  /** 95th percentile of requests in flight, weighted by time, over this hour of every day. */
  readonly p95: number;
  readonly mean: number;
}

export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export interface LoadProfile {
  readonly model: string;
  readonly from: number;
  readonly to: number;
  readonly timeZone: string;
  readonly requests: number;
  readonly hours: readonly HourLoad[];
  /** Largest peak and p95 over the hours of the day, and the hour with the largest p95. */
  readonly peak: number;
  readonly p95: number;
  readonly busiestHour: number;
  readonly promptTokens: Distribution;
  readonly outputTokens: Distribution;
  /** Prompt + output tokens of a request (what its context must hold). */
  readonly totalTokens: Distribution;
  /** Cached prompt tokens / prompt tokens, over records that report both; null when none do. */
  readonly cachedShare: number | null;
  /** Requests per day of the week, Monday first. */
  readonly weekdayRequests: readonly number[];
  /** Days of the range that fall on each weekday, Monday first (to average per weekday). */
  readonly weekdayDays: readonly number[];
}

export interface ModelShare {
  readonly model: string;
  readonly requests: number;
  readonly share: number;
}

/**
 * Local hour-of-day and day of the records' time zone, computed once per UTC hour (zones with half-hour offsets
 * have each UTC hour attributed to the local hour it starts in).
 */
class LocalClock {
  private readonly cache = new Map<number, { hour: number; day: number; weekday: number }>();
  private readonly fmt: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', weekday: 'short',
    });
  }

  /** Start of the local day that contains t. */
  dayStart(t: number): number {
    return Math.floor(t / HOUR_MS) * HOUR_MS - this.at(t).hour * HOUR_MS;
  }

  at(t: number): { hour: number; day: number; weekday: number } {
    const key = Math.floor(t / HOUR_MS);
    let v = this.cache.get(key);
    if (!v) {
      const parts = Object.fromEntries(this.fmt.formatToParts(key * HOUR_MS).map((p) => [p.type, p.value]));
      const day = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) / 86_400_000;
      v = { hour: Number(parts.hour), day, weekday: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday ?? '') };
      this.cache.set(key, v);
    }
    return v;
  }
}

/** A binary min-heap of end times. */
class EndHeap {
  private readonly a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  peek(): number | undefined {
    return this.a[0];
  }
  push(x: number): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= a[i]!) break;
      [a[p], a[i]] = [a[i]!, a[p]!];
      i = p;
    }
  }
  pop(): number | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

function distribution(values: number[]): Distribution {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0 };
  const a = values.sort((x, y) => x - y);
  const q = (p: number): number => a[Math.min(a.length - 1, Math.ceil(p * a.length) - 1)] ?? 0;
  return { count: a.length, mean: a.reduce((s, x) => s + x, 0) / a.length, p50: q(0.5), p90: q(0.9), p99: q(0.99) };
}

/** Time-weighted quantile of a histogram of concurrency → milliseconds. */
function weightedQuantile(hist: Map<number, number>, p: number): number {
  const total = [...hist.values()].reduce((s, x) => s + x, 0);
  if (total <= 0) return 0;
  let acc = 0;
  for (const c of [...hist.keys()].sort((x, y) => x - y)) {
    acc += hist.get(c) ?? 0;
    if (acc >= p * total - 1e-6) return c;
  }
  return Math.max(...hist.keys());
}

/**
 * Sweeps one model's records in start order, keeping requests in flight over time. The profile starts at the
 * local day of the first record (a gateway deployed last week is not averaged over a month of silence).
 */
class ModelSweep {
  private from: number;
  private now: number;
  private inFlight = 0;
  private readonly ends = new EndHeap();
  private readonly hist = Array.from({ length: 24 }, () => new Map<number, number>());
  private readonly slotPeak = new Map<number, number>();
  private readonly starts = new Array<number>(24).fill(0);
  private readonly weekdays = new Array<number>(7).fill(0);
  private readonly prompt: number[] = [];
  private readonly output: number[] = [];
  private readonly total: number[] = [];
  private cachedTokens = 0;
  private cachedPromptTokens = 0;
  private cachedSeen = false;
  requests = 0;

  constructor(private readonly clock: LocalClock, rangeFrom: number, first: number) {
    this.from = Math.max(rangeFrom, clock.dayStart(first));
    this.now = this.from;
  }

  private notePeak(t: number): void {
    if (this.inFlight <= 0) return;
    const l = this.clock.at(t);
    const slot = l.day * 24 + l.hour;
    if ((this.slotPeak.get(slot) ?? 0) < this.inFlight) this.slotPeak.set(slot, this.inFlight);
  }

  /** Moves the clock to `to`, crediting each local hour with the time spent at the current concurrency. */
  private advance(to: number): void {
    while (this.now < to) {
      const next = Math.min(to, (Math.floor(this.now / HOUR_MS) + 1) * HOUR_MS);
      const h = this.clock.at(this.now).hour;
      const m = this.hist[h]!;
      m.set(this.inFlight, (m.get(this.inFlight) ?? 0) + (next - this.now));
      this.notePeak(this.now);
      this.now = next;
    }
  }

  private endUntil(t: number): void {
    for (let e = this.ends.peek(); e !== undefined && e <= t; e = this.ends.peek()) {
      this.advance(e);
      this.ends.pop();
      this.inFlight--;
    }
  }

  add(r: UsageRecord): void {
    const start = Math.max(r.time, this.from);
    this.endUntil(start);
    this.advance(start);
    this.inFlight++;
    this.notePeak(start);
    this.ends.push(start + Math.max(0, r.totalMs));
    this.requests++;
    const l = this.clock.at(start);
    this.starts[l.hour] = (this.starts[l.hour] ?? 0) + 1;
    this.weekdays[l.weekday] = (this.weekdays[l.weekday] ?? 0) + 1;
    if (r.promptTokens !== undefined && r.completionTokens !== undefined && !r.tokensEstimated) {
      this.prompt.push(r.promptTokens);
      this.output.push(r.completionTokens);
      this.total.push(r.promptTokens + r.completionTokens);
    }
    if (r.promptTokens !== undefined && r.cachedTokens !== undefined) {
      this.cachedSeen = true;
      this.cachedTokens += r.cachedTokens;
      this.cachedPromptTokens += r.promptTokens;
    }
  }

  finish(model: string, to: number): LoadProfile {
    this.endUntil(to);
    this.advance(to);
    const peaks = new Array<number>(24).fill(0);
    for (const [slot, peak] of this.slotPeak) peaks[slot % 24] = Math.max(peaks[slot % 24] ?? 0, peak);
    const hours: HourLoad[] = this.hist.map((m, hour) => {
      const ms = [...m.values()].reduce((s, x) => s + x, 0);
      const mean = ms > 0 ? [...m].reduce((s, [c, t]) => s + c * t, 0) / ms : 0;
      return { hour, requests: this.starts[hour] ?? 0, peak: peaks[hour] ?? 0, p95: weightedQuantile(m, 0.95), mean };
    });
    const busiest = hours.reduce((a, b) => (b.p95 > a.p95 || (b.p95 === a.p95 && b.peak > a.peak) ? b : a));
    const weekdayDays = new Array<number>(7).fill(0);
    for (let t = this.from; t < to; t += 86_400_000) {
      const w = this.clock.at(t).weekday;
      weekdayDays[w] = (weekdayDays[w] ?? 0) + 1;
    }
    return {
      model, from: this.from, to, timeZone: this.clock.timeZone, requests: this.requests, hours,
      peak: Math.max(...hours.map((h) => h.peak)), p95: busiest.p95, busiestHour: busiest.hour,
      promptTokens: distribution(this.prompt), outputTokens: distribution(this.output), totalTokens: distribution(this.total),
      cachedShare: this.cachedSeen && this.cachedPromptTokens > 0 ? this.cachedTokens / this.cachedPromptTokens : null,
      weekdayRequests: this.weekdays, weekdayDays,
    };
  }
}

/** Builds a profile per model from records fed oldest first. */
export class LoadProfiler {
  private readonly clock: LocalClock;
  private readonly sweeps = new Map<string, ModelSweep>();

  constructor(private readonly from: number, private readonly to: number, timeZone = 'UTC') {
    this.clock = new LocalClock(timeZone);
  }

  add(r: UsageRecord): void {
    if (r.outcome === 'rejected' || r.time >= this.to) return;
    let s = this.sweeps.get(r.model);
    if (!s) {
      s = new ModelSweep(this.clock, this.from, r.time);
      this.sweeps.set(r.model, s);
    }
    s.add(r);
  }

  /** Models by requests, most first. */
  models(): ModelShare[] {
    const total = [...this.sweeps.values()].reduce((a, s) => a + s.requests, 0);
    return [...this.sweeps].map(([model, s]) => ({ model, requests: s.requests, share: total > 0 ? s.requests / total : 0 }))
      .sort((a, b) => b.requests - a.requests || (a.model < b.model ? -1 : 1));
  }

  /** The profile of one model (default: the most requested), or undefined when it has no records. */
  profile(model?: string): LoadProfile | undefined {
    const name = model ?? this.models()[0]?.model;
    const s = name === undefined ? undefined : this.sweeps.get(name);
    return name !== undefined && s ? s.finish(name, this.to) : undefined;
  }
}
