// Assembles a gateway from a config: backends, router, access, usage, metrics, HTTP app; reloads it.
import type { AddressInfo } from 'node:net';
import type { Access } from '../access/access.js';
import { MasterKeyAccess } from '../access/master-key-access.js';
import type { Backend } from '../backends/backend.js';
import type { Config } from '../config/schema.js';
import type { BackendState } from '../router/backend-state.js';
import { Router } from '../router/router.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import { createGatewayMetrics, type GatewayMetrics } from '../telemetry/metrics.js';
import { Tracer } from '../telemetry/tracing/tracer.js';
import { version } from '../cli/version.js';
import { LogUsageSink } from '../usage/log-sink.js';
import type { UsageSink } from '../usage/record.js';
import { GatewayApp } from './app.js';
import { Pipeline } from './pipeline.js';
import { mergeReload, planChanges, type ReloadResult } from './reload.js';
import { RoutingPlane, type PlaneDeps } from './routing-plane.js';
import type { ExtraRoute } from './routes.js';

export interface GatewayParts {
  access?: Access;
  usage?: UsageSink;
  extraRoutes?: ExtraRoute[];
  log?: Logger;
  /** Backends built elsewhere (embedded engine, tests); config backends are built otherwise. */
  backends?: Backend[];
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
  ) {}

  /** The configuration in force (restart-only fields as started). */
  get config(): Config {
    return this.current;
  }

  static async create(config: Config, parts: GatewayParts = {}): Promise<Gateway> {
    const log = parts.log ?? createLogger(config.log_level);
    const metrics = createGatewayMetrics();
    const planeDeps: PlaneDeps = { metrics, log, given: [...(parts.backends ?? [])] };
    const plane = await RoutingPlane.build(config, planeDeps);
    const router = new Router(plane.table);
    const access = parts.access ?? new MasterKeyAccess(config.master_key);
    const usage = parts.usage ?? new LogUsageSink(log);
    const tracer = config.tracing ? new Tracer({ ...config.tracing, serviceName: config.tracing.service_name, serviceVersion: version, warn: (m) => log.warn(m) }) : undefined;
    const pipeline = new Pipeline({ config, router, access, usage, metrics, log, tracer });
    const app = new GatewayApp({ router, access, pipeline, metrics, log, maxBodyBytes: config.limits.max_body_bytes, extraRoutes: parts.extraRoutes ?? [] });
    return new Gateway(config, app, router, metrics, log, plane, planeDeps, pipeline, access, usage, tracer);
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await this.plane.start();
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
    this.router.replace(plane.table);
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
    const clean = await this.app.drain(graceMs);
    if (!clean) this.log.warn('shutdown grace period over: closed remaining connections');
    await this.usage.close();
    await this.tracer?.close();
    await this.access.close();
    const backends = [...this.plane.states.values(), ...this.retired].map((s) => s.backend);
    this.retired.clear();
    await Promise.all(backends.map((b) => b.close().catch(() => undefined)));
  }
}
