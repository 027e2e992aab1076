// The store's spend per key, user or team for a period, read when a shared budget counter has to be
// created (a new or flushed Redis). After a flush every subject with a budget asks at once: those
// asking while a read is in flight share it (a read that has finished is not reused: it may be stale).
import type { Store } from '../store/types.js';

type Group = 'key' | 'user' | 'team';

export class SpendSeeds {
  private readonly inFlight = new Map<string, Promise<Map<string, number>>>();

  constructor(private readonly store: Pick<Store, 'spendBy'>) {}

  /** `subject` is a key id, `user:<id>` or `team:<id>` (the limiter's counter names). */
  async spend(subject: string, periodStart: number): Promise<number> {
    const m = /^(user|team):(.*)$/s.exec(subject);
    const group: Group = m ? (m[1] as Group) : 'key';
    const id = m ? (m[2] as string) : subject;
    const k = `${group}:${periodStart}`;
    let read = this.inFlight.get(k);
    if (!read) {
      read = this.store.spendBy(group, periodStart).finally(() => this.inFlight.delete(k));
      this.inFlight.set(k, read);
    }
    return (await read).get(id) ?? 0;
  }
}
