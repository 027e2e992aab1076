// Stored responses in memory, for a gateway run without a store (in-process gateways, tests):
// the same contract as the store's table, bounded in count so that memory cannot grow without end.
import type { ResponseStore, StoredResponseRow } from './types.js';

export class MemoryResponseStore implements ResponseStore {
  private readonly rows = new Map<string, StoredResponseRow>();

  constructor(private readonly maxRows = 10_000) {}

  async putResponse(row: StoredResponseRow): Promise<void> {
    if (this.rows.has(row.id)) throw new Error(`response ${row.id} is already stored`);
    // Maps iterate in insertion order: the first key is the oldest response.
    while (this.rows.size >= this.maxRows) this.rows.delete(this.rows.keys().next().value as string);
    this.rows.set(row.id, row);
  }

  async getResponse(id: string, owner: string, now: number): Promise<StoredResponseRow | undefined> {
    const row = this.rows.get(id);
    return row && row.owner === owner && row.expiresAt >= now ? row : undefined;
  }

  async deleteResponse(id: string, owner: string): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.owner !== owner) return false;
    return this.rows.delete(id);
  }

  async purgeResponses(now: number): Promise<number> {
    let n = 0;
    for (const [id, row] of this.rows) {
      if (row.expiresAt < now) {
        this.rows.delete(id);
        n++;
      }
    }
    return n;
  }
}
