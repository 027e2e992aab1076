// Ollama's informational endpoints (/api/tags, /api/show, /api/ps), answered from the model table
// and what the engines tell about their models (sizes, families, capabilities).
import { createHash } from 'node:crypto';
import type { ModelCapability, ModelDetails } from '../backends/backend.js';
import { ollamaPsJson } from '../engine/ollama-ps.js';
import type { JsonObject } from '../protocol/json.js';
import type { ModelEntry } from '../router/model-table.js';

/** The Ollama version we present: recent enough for clients that check it. */
export const OLLAMA_COMPAT_VERSION = '0.6.4';

/** The first deployment's engine that can describe the model; undefined for engines that cannot (HTTP). */
async function detailsOf(m: ModelEntry): Promise<ModelDetails | undefined> {
  for (const d of m.deployments) {
    const described = await d.state.backend.describeModel?.(d.upstreamModel).catch(() => undefined);
    if (described) return described;
  }
  return undefined;
}

function capabilitiesOf(m: ModelEntry, d: ModelDetails | undefined): readonly ModelCapability[] {
  return m.capabilities ?? d?.capabilities ?? ['completion'];
}

function details(d: ModelDetails | undefined): JsonObject {
  return {
    parent_model: '',
    format: 'gguf',
    family: d?.family ?? '',
    families: d ? [d.family] : null,
    parameter_size: d?.parameterSize ?? '',
    quantization_level: d?.quantization ?? '',
  };
}

export async function ollamaTags(models: readonly ModelEntry[]): Promise<JsonObject> {
  const now = new Date().toISOString();
  const described = await Promise.all(models.map(detailsOf));
  return {
    models: models.map((m, i) => {
      const d = described[i];
      return {
        name: m.name,
        model: m.name,
        modified_at: d?.modifiedAt.toISOString() ?? now,
        size: d?.sizeBytes ?? 0,
        digest: createHash('sha256').update(m.name).digest('hex'),
        details: details(d),
      };
    }),
  };
}

export async function ollamaShow(m: ModelEntry): Promise<JsonObject> {
  const d = await detailsOf(m);
  const info: JsonObject = d ? { 'general.architecture': d.family } : {};
  if (d?.contextLength !== undefined) info[`${d.family}.context_length`] = d.contextLength;
  return {
    modelfile: `# served by relais\nFROM ${m.name}\n`,
    parameters: '',
    template: '',
    details: details(d),
    model_info: info,
    capabilities: [...capabilitiesOf(m, d)],
    modified_at: d?.modifiedAt.toISOString() ?? new Date().toISOString(),
  };
}

/** The models in memory, under their public names (an engine knows only its file names). */
export function ollamaPs(models: readonly ModelEntry[]): JsonObject {
  const rows = models.flatMap((m) =>
    m.deployments.flatMap((d) => (d.state.backend.loaded?.() ?? []).filter((s) => s.name === d.upstreamModel).map((s) => ({ ...s, name: m.name }))),
  );
  return ollamaPsJson(rows);
}
