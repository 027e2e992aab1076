// What a configuration reload may change in a running gateway, and what it did change. Listening
// address, storage, Redis, the master key, log level, access log, shutdown, access, sign-in (auth), usage journal, stored responses, alerts and body-size settings are
// fixed for the life of the process (so are tracing settings): a new value is reported and applies at the next restart.
import type { Config } from '../config/schema.js';
import type { RoutingPlane } from './routing-plane.js';

export interface ReloadResult {
  /** Changed fields that keep their running value until a restart. */
  readonly restartOnly: readonly string[];
  readonly backends: { readonly added: readonly string[]; readonly removed: readonly string[]; readonly replaced: readonly string[] };
  readonly models: { readonly added: readonly string[]; readonly removed: readonly string[] };
}

const fixed = ['listen', 'data_dir', 'store', 'redis', 'master_key', 'log_level', 'access_log', 'shutdown', 'access', 'tracing', 'usage', 'responses', 'console', 'auth', 'alerts'] as const;

/** Request limits read once, when the server starts. */
const fixedLimits = ['max_body_bytes', 'body_timeout_ms'] as const;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The configuration to apply: `next`, with the fixed fields as they run now. */
export function mergeReload(running: Config, next: Config): { config: Config; restartOnly: string[] } {
  const restartOnly: string[] = fixed.filter((f) => !same(running[f], next[f]));
  for (const f of fixedLimits) if (running.limits[f] !== next.limits[f]) restartOnly.push(`limits.${f}`);
  const backends = { ...next.backends };
  for (const [id, b] of Object.entries(running.backends)) {
    // Embedded engines hold models in memory: they keep running as configured until a restart.
    if (b.kind === 'embedded' && !same(b, next.backends[id])) {
      restartOnly.push(`backends.${id}`);
      backends[id] = b;
    }
  }
  const limits = { ...next.limits };
  for (const f of fixedLimits) limits[f] = running.limits[f];
  const config: Config = { ...next, backends, limits };
  // Each fixed field keeps its running value.
  for (const f of fixed) Object.assign(config, { [f]: running[f] });
  return { config, restartOnly };
}

/** Backends and models added, removed or replaced between two planes. */
export function planChanges(old: RoutingPlane, next: RoutingPlane): Omit<ReloadResult, 'restartOnly'> {
  const ids = (m: ReadonlyMap<string, unknown>): string[] => [...m.keys()];
  return {
    backends: {
      added: ids(next.states).filter((id) => !old.states.has(id)),
      removed: ids(old.states).filter((id) => !next.states.has(id)),
      replaced: ids(next.states).filter((id) => old.states.has(id) && old.states.get(id) !== next.states.get(id)),
    },
    models: {
      added: ids(next.table).filter((n) => !old.table.has(n)),
      removed: ids(old.table).filter((n) => !next.table.has(n)),
    },
  };
}
