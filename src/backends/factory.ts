// Builds a Backend from its config entry.
import type { BackendConfig, TimeoutsConfig } from '../config/schema.js';
import type { Backend } from './backend.js';
import { HttpBackend } from './http-backend.js';

export async function createBackend(id: string, cfg: BackendConfig, timeouts: TimeoutsConfig): Promise<Backend> {
  if (cfg.kind === 'embedded') {
    // Loaded on demand: HTTP-only gateways never touch the engine code.
    const { createEmbeddedBackend } = await import('./embedded.js');
    return createEmbeddedBackend(id, cfg);
  }
  return new HttpBackend(id, cfg, timeouts);
}
