// Active health checks: each backend probed on an interval with its kind's health endpoint.
import type { Logger } from '../telemetry/log.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import type { BackendState } from './backend-state.js';

export interface HealthCheckOptions {
  intervalMs: number;
  timeoutMs: number;
}

export class HealthChecker {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly states: readonly BackendState[],
    private readonly options: HealthCheckOptions,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
  ) {}

  /** Probes every backend once now, then on the interval. */
  async start(): Promise<void> {
    await this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.options.intervalMs);
    this.timer.unref();
  }

  async checkAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all(this.states.map((s) => this.check(s)));
    } finally {
      this.running = false;
    }
  }

  private async check(state: BackendState): Promise<void> {
    const ok = await state.backend.health(AbortSignal.timeout(this.options.timeoutMs)).catch(() => false);
    if (ok !== state.healthy) {
      if (ok) this.log.warn(`backend ${state.id} healthy again: health check passed`, { backend: state.id, healthy: true });
      else this.log.warn(`backend ${state.id} taken out: health check failed`, { backend: state.id, healthy: false });
    }
    state.healthy = ok;
    this.metrics.healthy.set([state.id], ok && state.breaker.state === 'closed' ? 1 : 0);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
