// Ollama's informational endpoints, answered from the model table.
import { createHash } from 'node:crypto';
import type { JsonObject } from '../protocol/json.js';
import type { ModelEntry } from '../router/model-table.js';

/** The Ollama version we present: recent enough for clients that check it. */
export const OLLAMA_COMPAT_VERSION = '0.6.4';

function details(): JsonObject {
  return { parent_model: '', format: 'gguf', family: '', families: null, parameter_size: '', quantization_level: '' };
}

export function ollamaTags(models: readonly ModelEntry[]): JsonObject {
  const modified = new Date().toISOString();
  return {
    models: models.map((m) => ({
      name: m.name,
      model: m.name,
      modified_at: modified,
      size: 0,
      digest: createHash('sha256').update(m.name).digest('hex'),
      details: details(),
    })),
  };
}

export function ollamaShow(m: ModelEntry): JsonObject {
  return {
    modelfile: `# served by relais\nFROM ${m.name}\n`,
    parameters: '',
    template: '',
    details: details(),
    model_info: {},
    capabilities: ['completion', 'tools'],
    modified_at: new Date().toISOString(),
  };
}
