// For backends given without models (RELAIS_BACKENDS alone): serve every model the engines list.
import type { Backend } from '../backends/backend.js';
import type { ModelConfig } from '../config/schema.js';
import type { Logger } from '../telemetry/log.js';

export async function discoverModels(backends: readonly Backend[], log: Logger, timeoutMs = 5_000): Promise<ModelConfig[]> {
  const byName = new Map<string, ModelConfig>();
  await Promise.all(
    backends.map(async (b) => {
      if (!b.listModels) return;
      try {
        for (const id of await b.listModels(AbortSignal.timeout(timeoutMs))) {
          const m = byName.get(id) ?? { name: id, deployments: [], fallbacks: [] };
          m.deployments.push({ backend: b.id, model: id });
          byName.set(id, m);
        }
      } catch (err) {
        log.warn('model discovery failed', { backend: b.id, error: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  return [...byName.values()];
}
