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
  /** The model's effective routing settings (a reload keeps scheduler and queue when equal). */
  readonly routingKey: string;
}

export interface ModelTableOptions {
  /** Routing defaults for every model (config `routing:`). */
  readonly routing?: RoutingConfig | undefined;
  readonly staleMs: number;
}

/**
 * `previous` (a configuration reload): a model whose routing did not change keeps its scheduler and
 * queue, so its prefix memory and the requests waiting in its queue carry over.
 */
export function buildModelTable(
  models: readonly ModelConfig[],
  states: ReadonlyMap<string, BackendState>,
  options: ModelTableOptions = { staleMs: 1_000 },
  previous?: ReadonlyMap<string, ModelEntry>,
): Map<string, ModelEntry> {
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
    const queueOpts = { max_length: 1_000, max_wait_ms: 30_000, ...options.routing?.queue, ...m.routing?.queue };
    const routingKey = JSON.stringify([routing.scorers, saturation, queueOpts]);
    const old = previous?.get(m.name);
    const reuse = old !== undefined && old.routingKey === routingKey;
    const scheduler = reuse ? old.scheduler : createScheduler(m.name, { scorers: routing.scorers, saturation });
    const queue = reuse ? old.queue : new AdmissionQueue(m.name, { maxLength: queueOpts.max_length, maxWaitMs: queueOpts.max_wait_ms });
    table.set(m.name, {
      name: m.name,
      deployments,
      candidates,
      fallbacks: m.fallbacks,
      price: m.price,
      description: m.description,
      capabilities: m.capabilities,
      created: old?.created ?? created,
      scheduler,
      saturation,
      queue,
      routingKey,
    });
  }
  return table;
}
