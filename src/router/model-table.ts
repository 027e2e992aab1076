// The served models: public name → deployments (backend + upstream name) and fallbacks.
import type { ModelConfig, PriceConfig } from '../config/schema.js';
import type { BackendState, Deployment } from './backend-state.js';

export interface ModelEntry {
  readonly name: string;
  readonly deployments: readonly Deployment[];
  readonly fallbacks: readonly string[];
  readonly price?: PriceConfig | undefined;
  readonly description?: string | undefined;
  readonly created: number;
}

export function buildModelTable(models: readonly ModelConfig[], states: ReadonlyMap<string, BackendState>): Map<string, ModelEntry> {
  const created = Math.floor(Date.now() / 1000);
  const table = new Map<string, ModelEntry>();
  for (const m of models) {
    const deployments = m.deployments.map((d): Deployment => {
      const state = states.get(d.backend);
      if (!state) throw new Error(`model ${m.name}: unknown backend ${d.backend}`);
      return { model: m.name, upstreamModel: d.model, state, context: d.context };
    });
    table.set(m.name, { name: m.name, deployments, fallbacks: m.fallbacks, price: m.price, description: m.description, created });
  }
  return table;
}
