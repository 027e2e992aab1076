// Builds a Backend from its config entry.
import type { BackendConfig, TimeoutsConfig } from '../config/schema.js';
import type { Backend } from './backend.js';
import { HttpBackend } from './http-backend.js';

export async function createBackend(id: string, cfg: BackendConfig, timeouts: TimeoutsConfig): Promise<Backend> {
  if (cfg.kind === 'embedded') {
    throw new Error(`backend ${id}: the embedded engine is not available in this build`);
  }
  return new HttpBackend(id, cfg, timeouts);
}
