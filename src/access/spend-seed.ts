// The store's spend per key for a period, read when a shared budget counter has to be created (a new
// or flushed Redis). After a flush every key with a budget asks at once: one query per period start
// serves them all, and its answer is reused for a second.
import type { Store } from '../store/types.js';

const REUSE_MS = 1_000;

export class SpendSeeds {
  private readonly loads = new Map<number, { at: number; spends: Promise<Map<string, number>> }>();

  constructor(
    private readonly store: Pick<Store, 'spendByKey'>,
    private readonly now: () => number = Date.now,
  ) {}

  async spend(keyId: string, periodStart: number): Promise<number> {
    const now = this.now();
    let load = this.loads.get(periodStart);
    if (!load || now - load.at > REUSE_MS) {
      load = { at: now, spends: this.store.spendByKey(periodStart) };
      this.loads.set(periodStart, load);
      // A failed read is not kept: the next counter creation asks again.
      load.spends.catch(() => this.loads.delete(periodStart));
    }
    return (await load.spends).get(keyId) ?? 0;
  }
}
