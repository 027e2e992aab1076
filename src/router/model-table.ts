// The served models: public name → deployments (backend + upstream name), fallbacks, its scheduler and queue.
import type { ModelCapability } from '../backends/backend.js';
import type { ModelConfig, PriceConfig, RoutingConfig } from '../config/schema.js';
import { AdmissionQueue } from './admission-queue.js';
import type { BackendState, Deployment } from './backend-state.js';
import { DeploymentCandidate } from './candidate.js';
import { defaultSaturation, type SaturationThresholds } from './saturation.js';
import { createScheduler } from './scheduler/defaults.js';
import type { Scheduler } from './scheduler/scheduler.js';

export interface ModelEntry {
  readonly name: string;
  readonly deployments: readonly Deployment[];
  readonly candidates: readonly DeploymentCandidate[];
  readonly fallbacks: readonly string[];
  readonly price?: PriceConfig | undefined;
  readonly description?: string | undefined;
  /** Declared in the config; undefined: ask the engine. */
  readonly capabilities?: readonly ModelCapability[] | undefined;
  readonly created: number;
  readonly scheduler: Scheduler;
  readonly saturation: SaturationThresholds;
  readonly queue: AdmissionQueue;
}

export interface ModelTableOptions {
  /** Routing defaults for every model (config `routing:`). */
  readonly routing?: RoutingConfig | undefined;
  readonly staleMs: number;
}

export function buildModelTable(models: readonly ModelConfig[], states: ReadonlyMap<string, BackendState>, options: ModelTableOptions = { staleMs: 1_000 }): Map<string, ModelEntry> {
  const created = Math.floor(Date.now() / 1000);
  const table = new Map<string, ModelEntry>();
  for (const m of models) {
    const deployments = m.deployments.map((d): Deployment => {
      const state = states.get(d.backend);
      if (!state) throw new Error(`model ${m.name}: unknown backend ${d.backend}`);
      return { model: m.name, upstreamModel: d.model, state, context: d.context };
    });
    const candidates = deployments.map((d) => new DeploymentCandidate(d, options.staleMs));
    const routing = { ...options.routing, ...m.routing };
    const saturation = { ...defaultSaturation, ...options.routing?.saturation, ...m.routing?.saturation };
    const scheduler = createScheduler(m.name, { scorers: routing.scorers, saturation });
    const queueOpts = { max_length: 1_000, max_wait_ms: 30_000, ...options.routing?.queue, ...m.routing?.queue };
    const queue = new AdmissionQueue(m.name, { maxLength: queueOpts.max_length, maxWaitMs: queueOpts.max_wait_ms });
    table.set(m.name, { name: m.name, deployments, candidates, fallbacks: m.fallbacks, price: m.price, description: m.description, capabilities: m.capabilities, created, scheduler, saturation, queue });
  }
  return table;
}
