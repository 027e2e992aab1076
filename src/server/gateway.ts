// Assembles a gateway from a config: backends, router, access, usage, metrics, HTTP app; reloads it.
import type { AddressInfo } from 'node:net';
import type { Access } from '../access/access.js';
import { MasterKeyAccess } from '../access/master-key-access.js';
import type { Backend } from '../backends/backend.js';
import type { Config } from '../config/schema.js';
import type { BackendState } from '../router/backend-state.js';
import { ModelAliases } from '../router/model-aliases.js';
import { Router } from '../router/router.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import { createGatewayMetrics, type GatewayMetrics } from '../telemetry/metrics.js';
import { Tracer } from '../telemetry/tracing/tracer.js';
import { version } from '../cli/version.js';
import { LogUsageSink } from '../usage/log-sink.js';
import type { UsageSink } from '../usage/record.js';
import { GatewayApp } from './app.js';
import { MemoryResponseStore } from '../store/memory-responses.js';
import type { ResponseStore } from '../store/types.js';
import { messagesRoutes } from './messages-routes.js';
import { Pipeline } from './pipeline.js';
import { responsesRoutes } from './responses-routes.js';
import { mergeReload, planChanges, type ReloadResult } from './reload.js';
import { RoutingPlane, type PlaneDeps } from './routing-plane.js';
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
  /** What /metrics answers instead of this process's own metrics (a cluster worker's: all workers'). */
  metricsText?: () => Promise<string>;
}

export class Gateway {
  /** Backends a reload left behind, closed once their last request is done. */
  private readonly retired = new Set<BackendState>();

  private constructor(
    private current: Config,
    readonly app: GatewayApp,
    readonly router: Router,
    readonly metrics: GatewayMetrics,
    readonly log: Logger,
    private plane: RoutingPlane,
    private readonly planeDeps: PlaneDeps,
    private readonly pipeline: Pipeline,
    private readonly access: Access,
    private readonly usage: UsageSink,
    readonly tracer: Tracer | undefined,
    private readonly responses: ResponseStore,
  ) {}

  private purgeTimer: NodeJS.Timeout | undefined;

  /** The configuration in force (restart-only fields as started). */
  get config(): Config {
    return this.current;
  }

  static async create(config: Config, parts: GatewayParts = {}): Promise<Gateway> {
    const log = parts.log ?? createLogger(config.log_level);
    const metrics = createGatewayMetrics();
    const planeDeps: PlaneDeps = { metrics, log, given: [...(parts.backends ?? [])] };
    const plane = await RoutingPlane.build(config, planeDeps);
    const router = new Router(plane.table, new ModelAliases(config.aliases));
    const access = parts.access ?? new MasterKeyAccess(config.master_key);
    const usage = parts.usage ?? new LogUsageSink(log);
    const tracer = config.tracing ? new Tracer({ ...config.tracing, serviceName: config.tracing.service_name, serviceVersion: version, warn: (m) => log.warn(m) }) : undefined;
    const pipeline = new Pipeline({ config, router, access, usage, metrics, log, tracer });
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
    const app = new GatewayApp({ router, access, pipeline, metrics, log, maxBodyBytes, bodyTimeoutMs: config.limits.body_timeout_ms, accessLog: config.access_log, metricsText: parts.metricsText, extraRoutes: [...familyRoutes, ...(typeof parts.extraRoutes === 'function' ? parts.extraRoutes({ router, metrics, staleMs: config.scrape.stale_ms }) : (parts.extraRoutes ?? []))] });
    return new Gateway(config, app, router, metrics, log, plane, planeDeps, pipeline, access, usage, tracer, responses);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await this.plane.start();
    // Expired stored responses are never served (reads check expiry); this reclaims their space.
    this.purgeTimer = setInterval(() => {
      this.responses.purgeResponses(Date.now()).catch((err: unknown) => this.log.warn('purging expired responses failed', { error: String(err) }));
    }, 3_600_000);
    this.purgeTimer.unref();
    return this.app.listen(host, port);
  }

  /**
   * Applies a new configuration without dropping a request: backends, models, routing, prices,
   * timeouts, health and scrape settings. Fields that need a restart keep their running value (listed
   * in the result). Throws, with the old configuration still serving, when the new one cannot be built.
   */
  async reload(next: Config): Promise<ReloadResult> {
    const { config, restartOnly } = mergeReload(this.current, next);
    const plane = await RoutingPlane.build(config, this.planeDeps, this.plane);
    const old = this.plane;
    old.stop();
    this.plane = plane;
    this.router.replace(plane.table, new ModelAliases(config.aliases));
    this.pipeline.reconfigure(config);
    this.access.reconfigure?.(config);
    this.current = config;
    for (const s of old.retiredBy(plane)) this.retire(s);
    await plane.start();
    return { restartOnly, ...planChanges(old, plane) };
  }

  /** Closes a backend a reload removed or replaced, after its last request. */
  private retire(state: BackendState): void {
    this.retired.add(state);
    const close = (): void => {
      if (!this.retired.delete(state)) return;
      clearInterval(timer);
      void state.backend.close().catch(() => undefined);
    };
    const timer = setInterval(() => {
      if (state.inFlight === 0) close();
    }, 100);
    timer.unref();
    if (state.inFlight === 0) close();
  }

  /** Graceful stop: drain streams within the grace period, flush usage, close backends. */
  async close(graceMs = this.current.shutdown.grace_ms): Promise<void> {
    this.plane.stop();
    clearInterval(this.purgeTimer);
    const clean = await this.app.drain(graceMs);
    if (!clean) this.log.warn('shutdown grace period over: streams still running were cut (recorded as gateway_cut)');
    const backends = [...this.plane.states.values(), ...this.retired].map((s) => s.backend);
    this.retired.clear();
    // Every part closes even when one fails (a store out of reach); the first failure is reported.
    const results = await Promise.allSettled([this.usage.close(), this.access.close(), ...(this.tracer ? [this.tracer.close()] : []), ...backends.map((b) => b.close().catch(() => undefined))]);
    this.log.flush();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
