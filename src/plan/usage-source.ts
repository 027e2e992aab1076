// Feeds a store's usage records, page by page and oldest first, into a load profiler.
import type { Store } from '../store/types.js';
import { LoadProfiler } from './usage-profile.js';

const PAGE = 5000;

export async function profileStore(store: Store, from: number, to: number, timeZone: string): Promise<LoadProfiler> {
  const profiler = new LoadProfiler(from, to, timeZone);
  let after: { time: number; requestId: string } | undefined;
  for (;;) {
    const rows = await store.listUsage({ from, to, after, limit: PAGE });
    for (const r of rows) profiler.add(r);
    if (rows.length < PAGE) return profiler;
    const last = rows[rows.length - 1]!;
    after = { time: last.time, requestId: last.requestId };
  }
}
