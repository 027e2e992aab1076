// Scrapes each engine's /metrics on a short interval (queue depth, running, KV use) for load-aware routing.
// A backend that is slow to answer is not asked again until its previous scrape finished.
import type { BackendState } from './backend-state.js';

export class LoadScraper {
  private timer: NodeJS.Timeout | undefined;
  private readonly busy = new Set<BackendState>();

  constructor(
    private readonly states: readonly BackendState[],
    private readonly intervalMs: number,
    /** Called after each round (lets queues re-check capacity when load drops). */
    private readonly onRound: () => void = () => undefined,
  ) {}

  start(): void {
    const scrapable = this.states.filter((s) => s.backend.load !== undefined);
    if (scrapable.length === 0) return;
    this.timer = setInterval(() => {
      void Promise.all(scrapable.map((s) => this.scrape(s))).then(this.onRound);
    }, this.intervalMs);
    this.timer.unref();
  }

  private async scrape(state: BackendState): Promise<void> {
    if (this.busy.has(state) || !state.healthy) return;
    this.busy.add(state);
    try {
      const load = await state.backend.load?.(AbortSignal.timeout(Math.max(this.intervalMs * 5, 500)));
      if (load) state.load = load;
    } catch {
      // Missing load goes stale and the router falls back to its own in-flight counts.
    } finally {
      this.busy.delete(state);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
