// Assembles a gateway from a config: backends, router, access, usage, metrics, HTTP app.
import type { AddressInfo } from 'node:net';
import type { Access } from '../access/access.js';
import { MasterKeyAccess } from '../access/master-key-access.js';
import type { Backend } from '../backends/backend.js';
import { createBackend } from '../backends/factory.js';
import { isHosted, type Config } from '../config/schema.js';
import { BackendState } from '../router/backend-state.js';
import { HealthChecker } from '../router/health-checker.js';
import { LoadScraper } from '../router/load-scraper.js';
import { buildModelTable } from '../router/model-table.js';
import { ModelAliases } from '../router/model-aliases.js';
import { Router } from '../router/router.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import { createGatewayMetrics, type GatewayMetrics } from '../telemetry/metrics.js';
import { LogUsageSink } from '../usage/log-sink.js';
import type { UsageSink } from '../usage/record.js';
import { GatewayApp } from './app.js';
import { discoverModels } from './discover.js';
import { MemoryResponseStore } from '../store/memory-responses.js';
import type { ResponseStore } from '../store/types.js';
import { messagesRoutes } from './messages-routes.js';
import { Pipeline } from './pipeline.js';
import { responsesRoutes } from './responses-routes.js';
import type { ExtraRoute, LiveParts } from './routes.js';

export interface GatewayParts {
  access?: Access;
  usage?: UsageSink;
  /** Routes to mount; a function receives the live parts (router state for the console's live view). */
  extraRoutes?: ExtraRoute[] | ((live: LiveParts) => ExtraRoute[]);
  log?: Logger;
  /** Backends built elsewhere (embedded engine, tests); config backends are built otherwise. */
  backends?: Backend[];
  /** Where Responses API responses are kept (the store's table); memory when not given. */
  responses?: ResponseStore;
}

export class Gateway {
  private constructor(
    readonly config: Config,
    readonly app: GatewayApp,
    readonly router: Router,
    readonly metrics: GatewayMetrics,
    readonly log: Logger,
    private readonly backends: Backend[],
    private readonly health: HealthChecker,
    private readonly scraper: LoadScraper,
    private readonly access: Access,
    private readonly usage: UsageSink,
    private readonly responses: ResponseStore,
  ) {}

  private purgeTimer: NodeJS.Timeout | undefined;

  static async create(config: Config, parts: GatewayParts = {}): Promise<Gateway> {
    const log = parts.log ?? createLogger(config.log_level);
    const metrics = createGatewayMetrics();
    // Our own list: backends built by the caller stay in the caller's array as given (it used to receive ours).
    const backends = [...(parts.backends ?? [])];
    for (const [id, cfg] of Object.entries(config.backends)) {
      if (!backends.some((b) => b.id === id)) backends.push(await createBackend(id, cfg, config.timeouts));
    }
    const states = new Map(
      backends.map((b) => {
        const cfg = config.backends[b.id];
        const http = cfg && cfg.kind !== 'embedded' ? cfg : undefined;
        const traits = { hosted: http ? isHosted(http) : false, maxConcurrency: http?.max_concurrency };
        return [b.id, new BackendState(b, config.health.failure_threshold, config.health.cooldown_ms, traits)];
      }),
    );
    const models = config.models.length > 0 ? config.models : await discoverModels(backends, log);
    const table = buildModelTable(models, states, { routing: config.routing, staleMs: config.scrape.stale_ms });
    const router = new Router(table, new ModelAliases(config.aliases));
    const scraper = new LoadScraper([...states.values()], config.scrape.interval_ms, () => {
      for (const m of table.values()) m.queue.dispatch();
    });
    const access = parts.access ?? new MasterKeyAccess(config.master_key);
    const usage = parts.usage ?? new LogUsageSink(log);
    const pipeline = new Pipeline({ config, router, access, usage, metrics, log });
    const responses = parts.responses ?? new MemoryResponseStore();
    const maxBodyBytes = config.limits.max_body_bytes;
    const resolveModel = (name: string): string => router.resolve(name);
    const familyRoutes = [
      ...responsesRoutes({
        pipeline,
        resolveModel,
        store: responses,
        log,
        maxBodyBytes,
        storeEnabled: config.responses.store,
        retentionDays: config.responses.retention_days,
        defaultRetentionDays: config.access.log_retention_days,
      }),
      ...messagesRoutes({ pipeline, router, resolveModel, maxBodyBytes }),
    ];
    const app = new GatewayApp({ router, access, pipeline, metrics, log, maxBodyBytes, extraRoutes: [...familyRoutes, ...(typeof parts.extraRoutes === 'function' ? parts.extraRoutes({ router, metrics, staleMs: config.scrape.stale_ms }) : (parts.extraRoutes ?? []))] });
    const health = new HealthChecker([...states.values()], { intervalMs: config.health.interval_ms, timeoutMs: config.health.timeout_ms }, metrics, log);
    return new Gateway(config, app, router, metrics, log, backends, health, scraper, access, usage, responses);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await this.health.start();
    this.scraper.start();
    // Expired stored responses are never served (reads check expiry); this reclaims their space.
    this.purgeTimer = setInterval(() => {
      this.responses.purgeResponses(Date.now()).catch((err: unknown) => this.log.warn('purging expired responses failed', { error: String(err) }));
    }, 3_600_000);
    this.purgeTimer.unref();
    return this.app.listen(host, port);
  }

  /** Graceful stop: drain streams within the grace period, flush usage, close backends. */
  async close(graceMs = this.config.shutdown.grace_ms): Promise<void> {
    this.health.stop();
    this.scraper.stop();
    clearInterval(this.purgeTimer);
    const clean = await this.app.drain(graceMs);
    if (!clean) this.log.warn('shutdown grace period over: closed remaining connections');
    // Every part closes even when one fails (a store out of reach); the first failure is reported.
    const results = await Promise.allSettled([this.usage.close(), this.access.close(), ...this.backends.map((b) => b.close().catch(() => undefined))]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
