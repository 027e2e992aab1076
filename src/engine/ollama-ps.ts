// GET /api/ps in Ollama's shape, from the embedded backends' loaded models.
import type { JsonObject } from '../protocol/json.js';
import type { LoadedModelStatus } from './model-registry.js';

/** Ollama shows models kept forever with a far-future expiry. */
const FOREVER = '2318-01-01T00:00:00.000Z';

export function ollamaPsJson(rows: readonly LoadedModelStatus[], now = Date.now()): JsonObject {
  return {
    models: rows.map((r) => ({
      name: r.name,
      model: r.name,
      size: r.sizeBytes,
      digest: '',
      details: {
        parent_model: '',
        format: 'gguf',
        family: r.family,
        families: [r.family],
        parameter_size: r.parameterSize,
        quantization_level: r.quantization,
      },
      // While in use the clock has not started: show when it would unload if the requests ended now.
      expires_at: r.expiresAt ?? (r.keepAliveMs === undefined ? FOREVER : new Date(now + r.keepAliveMs).toISOString()),
      size_vram: r.sizeVramBytes,
      context_length: r.contextLength,
    })),
  };
}
