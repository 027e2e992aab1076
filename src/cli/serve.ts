// relais serve: load the config (file, or environment), start the gateway, drain on SIGTERM.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseListen } from '../config/listen.js';
import { configFromEnv, ConfigError, loadConfigFile } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { createEmbeddedBackend, embeddedServeSetup, ollamaPsJson, type EmbeddedBackend } from '../backends/embedded.js';
import type { ExtraRoute, LiveParts } from '../server/routes.js';
import { consoleRoutes } from '../console/routes.js';
import { SessionAccess } from '../identity/session-access.js';
import { SessionCache } from '../identity/session-cache.js';
import { createAccess } from '../access/create-access.js';
import { adminRoutes } from '../server/admin/routes.js';
import { Gateway } from '../server/gateway.js';
import { openStore } from '../store/open-store.js';
import { createUsageWriter } from '../usage/batched-writer.js';
import { createLogger } from '../telemetry/log.js';

const help = `Usage: relais serve [--config relais.yaml] [--listen HOST:PORT] [--demo] [--models-dir DIR]

  --config FILE      configuration file (default: $RELAIS_CONFIG, else ./relais.yaml when present,
                     else backends from $RELAIS_BACKENDS, else every GGUF in the models directory)
  --listen HOST:PORT address to listen on (overrides the file's 'listen'; port 0 picks a free port)
  --demo             serve relais-demo, a tiny generated model (random weights: meaningless output)
  --models-dir DIR   GGUF models for the embedded engine (default: $RELAIS_MODELS_DIR, else ./.relais/models)
`;

async function loadConfig(
  file: string | undefined,
  zero: { demo: boolean; modelsDir: string | undefined },
): Promise<{ config: Config; source: string; notice?: string }> {
  const path = file ?? process.env.RELAIS_CONFIG ?? (existsSync('relais.yaml') ? 'relais.yaml' : undefined);
  if (path && !zero.demo) return { config: loadConfigFile(path), source: path };
  const fromEnv = configFromEnv();
  if (Object.keys(fromEnv.backends).length > 0 && !zero.demo) return { config: fromEnv, source: 'environment' };
  // Zero config: the embedded engine serves every GGUF of the models directory (--demo generates relais-demo).
  const setup = await embeddedServeSetup({ demo: zero.demo, modelsDir: zero.modelsDir });
  const config = configSchema.parse({ ...fromEnv, backends: setup.backends, models: setup.models });
  return { config, source: zero.demo ? 'demo' : `models directory ${setup.modelsDir}`, notice: setup.message };
}

/** GET /api/ps (Ollama): the models the embedded backends hold in memory. */
function psRoute(backends: readonly EmbeddedBackend[]): ExtraRoute {
  return {
    method: 'GET',
    path: '/api/ps',
    protocol: 'ollama',
    handler: async (_req, res) => {
      const body = JSON.stringify(ollamaPsJson(backends.flatMap((b) => b.loaded())));
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      listen: { type: 'string', short: 'l' },
      demo: { type: 'boolean' },
      'models-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(help);
    return 0;
  }
  let loaded: { config: Config; source: string; notice?: string };
  try {
    loaded = await loadConfig(values.config, { demo: values.demo === true, modelsDir: values['models-dir'] });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const { config, source } = loaded;
  const log = createLogger(config.log_level);
  const { host, port } = parseListen(values.listen ?? config.listen);
  // Keys, limits and usage: the store (SQLite in data_dir unless configured), limiter (Redis when configured).
  const store = await openStore(config);
  const warn = (message: string): void => log.warn(message);
  const access = await createAccess({ config, store, warn });
  const usage = createUsageWriter(store, { warn });
  // Embedded backends are built here so that /api/ps can list what they hold in memory.
  const embedded = Object.entries(config.backends).flatMap(([id, b]) => (b.kind === 'embedded' ? [createEmbeddedBackend(id, b)] : []));
  // The console's sessions: the access stage accepts their cookie as a credential (docs/console.md).
  const sessions = await SessionCache.create({ store, refreshMs: config.access.refresh_ms, ttlMs: config.console.session_ttl_minutes * 60_000, warn });
  const gatewayAccess = new SessionAccess(access, sessions);
  const extraRoutes = (live: LiveParts): ExtraRoute[] => [
    ...(config.console.enabled ? consoleRoutes({ access: gatewayAccess }) : []),
    ...adminRoutes({ store, access, usage, maxBodyBytes: config.limits.max_body_bytes, live }),
    psRoute(embedded),
  ];
  const gateway = await Gateway.create(config, { log, access: gatewayAccess, usage, extraRoutes, backends: embedded });
  const address = await gateway.listen(host, port);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.announce(`relais listening on http://${shownHost}:${address.port}`, {
    event: 'listening',
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    ...(config.console.enabled ? { console: `http://${shownHost}:${address.port}/ui/` } : {}),
    config: source,
    models: gateway.router.list().map((m) => m.name),
  });
  if (access.open) log.warn('no master key and no API keys: the gateway is open to anyone who can reach it (fine for local use)');
  if (loaded.notice !== undefined) {
    if (gateway.router.list().length === 0) log.warn(loaded.notice);
    else log.announce(loaded.notice);
  } else if (gateway.router.list().length === 0) {
    log.warn('no models configured: add backends and models to relais.yaml, or set RELAIS_BACKENDS (see README)');
  }

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        // A second Ctrl-C forces the exit; a repeated SIGTERM waits for the drain.
        if (signal === 'SIGINT') process.exit(130);
        return;
      }
      stopping = true;
      log.info('shutting down: draining in-flight requests', { signal, grace_ms: config.shutdown.grace_ms });
      gateway.close().then(() => store.close()).then(
        () => {
          log.info('stopped');
          resolve(0);
        },
        (err: unknown) => {
          log.error('shutdown failed', { error: String(err) });
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
