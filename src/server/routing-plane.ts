// The part of a gateway that a configuration reload replaces: backends with their live state, the
// model table (schedulers, queues), health checks and load scraping. A reload builds a new plane next
// to the running one, reusing what did not change — a backend's state (health, breaker, requests in
// flight, scraped load) and a model's scheduler and queue (prefix memory, waiting requests) — and the
// gateway swaps it in. Requests already running keep the deployments they were given.
import type { Backend } from '../backends/backend.js';
import { createBackend } from '../backends/factory.js';
import { isHosted, type Config } from '../config/schema.js';
import { BackendState } from '../router/backend-state.js';
import { HealthChecker } from '../router/health-checker.js';
import { LoadScraper } from '../router/load-scraper.js';
import { buildModelTable, type ModelEntry } from '../router/model-table.js';
import type { Logger } from '../telemetry/log.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { discoverModels } from './discover.js';

export interface PlaneDeps {
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** Backends built elsewhere (embedded engine, tests): kept as they are across reloads. */
  readonly given: readonly Backend[];
}

export class RoutingPlane {
  private constructor(
    readonly config: Config,
    readonly states: ReadonlyMap<string, BackendState>,
    readonly table: ReadonlyMap<string, ModelEntry>,
    private readonly health: HealthChecker,
    private readonly scraper: LoadScraper,
  ) {}

  /** Builds a plane for `config`, taking from `previous` every backend and model that did not change. */
  static async build(config: Config, deps: PlaneDeps, previous?: RoutingPlane): Promise<RoutingPlane> {
    const states = new Map<string, BackendState>();
    const created: Backend[] = [];
    try {
      for (const b of deps.given) states.set(b.id, previous?.states.get(b.id) ?? newState(b, config, deps));
      for (const [id, cfg] of Object.entries(config.backends)) {
        if (states.has(id)) continue;
        const old = previous?.states.get(id);
        if (old && previous && sameBackend(previous.config, config, id)) {
          states.set(id, old);
          continue;
        }
        const backend = await createBackend(id, cfg, config.timeouts);
        created.push(backend);
        states.set(id, newState(backend, config, deps));
      }
      const backends = [...states.values()].map((s) => s.backend);
      const models = config.models.length > 0 ? config.models : await discoverModels(backends, deps.log);
      const table = buildModelTable(models, states, { routing: config.routing, staleMs: config.scrape.stale_ms }, previous?.table);
      const scraper = new LoadScraper([...states.values()], config.scrape.interval_ms, () => {
        for (const m of table.values()) m.queue.dispatch();
      });
      const health = new HealthChecker([...states.values()], { intervalMs: config.health.interval_ms, timeoutMs: config.health.timeout_ms }, deps.metrics, deps.log);
      return new RoutingPlane(config, states, table, health, scraper);
    } catch (err) {
      await Promise.all(created.map((b) => b.close().catch(() => undefined)));
      throw err;
    }
  }

  async start(): Promise<void> {
    await this.health.start();
    this.scraper.start();
  }

  stop(): void {
    this.health.stop();
    this.scraper.stop();
  }

  /** Backend states of this plane that `next` does not use (closed once their requests are done). */
  retiredBy(next: RoutingPlane): BackendState[] {
    const kept = new Set(next.states.values());
    return [...this.states.values()].filter((s) => !kept.has(s));
  }
}

function newState(b: Backend, config: Config, deps: PlaneDeps): BackendState {
  const cfg = config.backends[b.id];
  const http = cfg && cfg.kind !== 'embedded' ? cfg : undefined;
  const traits = { hosted: http ? isHosted(http) : false, maxConcurrency: http?.max_concurrency };
  const { failure_threshold: threshold, cooldown_ms: cooldownMs } = config.health;
  const state: BackendState = new BackendState(b, threshold, cooldownMs, traits, (to, from, failures) => {
    const fields = { backend: b.id, breaker: to, from, failures };
    if (to === 'open') deps.log.warn(`backend ${b.id} taken out: circuit breaker open for ${cooldownMs} ms`, { ...fields, cooldown_ms: cooldownMs });
    else if (to === 'half-open') deps.log.warn(`backend ${b.id}: circuit breaker half-open, one trial request decides`, fields);
    else deps.log.warn(`backend ${b.id} back in rotation: circuit breaker closed`, fields);
    deps.metrics.healthy.set([b.id], to === 'closed' && state.healthy ? 1 : 0);
  });
  return state;
}

/** The same engine with the same settings: its live state carries over. */
function sameBackend(a: Config, b: Config, id: string): boolean {
  const same = (x: unknown, y: unknown): boolean => JSON.stringify(x) === JSON.stringify(y);
  return same(a.backends[id], b.backends[id]) && same(a.timeouts, b.timeouts) && a.health.failure_threshold === b.health.failure_threshold && a.health.cooldown_ms === b.health.cooldown_ms;
}
