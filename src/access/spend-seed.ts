// The store's spend per key for a period, read when a shared budget counter has to be created (a new
// or flushed Redis). After a flush every key with a budget asks at once: the keys asking while a read
// is in flight share it (a read that has finished is not reused: it may already be stale).
import type { Store } from '../store/types.js';

export class SpendSeeds {
  private readonly inFlight = new Map<number, Promise<Map<string, number>>>();

  constructor(private readonly store: Pick<Store, 'spendByKey'>) {}

  async spend(keyId: string, periodStart: number): Promise<number> {
    let read = this.inFlight.get(periodStart);
    if (!read) {
      read = this.store.spendByKey(periodStart).finally(() => this.inFlight.delete(periodStart));
      this.inFlight.set(periodStart, read);
    }
    return (await read).get(keyId) ?? 0;
  }
}
