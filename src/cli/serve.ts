// relais serve: load the config (file, or environment), start the gateway, drain on SIGTERM.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseListen } from '../config/listen.js';
import { configFromEnv, ConfigError, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createAccess } from '../access/create-access.js';
import { adminRoutes } from '../server/admin/routes.js';
import { Gateway } from '../server/gateway.js';
import { openStore } from '../store/open-store.js';
import { createUsageWriter } from '../usage/batched-writer.js';
import { createLogger } from '../telemetry/log.js';

const help = `Usage: relais serve [--config relais.yaml] [--listen HOST:PORT]

  --config FILE      configuration file (default: $RELAIS_CONFIG, else ./relais.yaml when present,
                     else backends from $RELAIS_BACKENDS)
  --listen HOST:PORT address to listen on (overrides the file's 'listen'; port 0 picks a free port)
`;

function loadConfig(file: string | undefined): { config: Config; source: string } {
  const path = file ?? process.env.RELAIS_CONFIG ?? (existsSync('relais.yaml') ? 'relais.yaml' : undefined);
  if (path) return { config: loadConfigFile(path), source: path };
  return { config: configFromEnv(), source: 'environment' };
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, listen: { type: 'string', short: 'l' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(help);
    return 0;
  }
  let loaded: { config: Config; source: string };
  try {
    loaded = loadConfig(values.config);
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
  const extraRoutes = adminRoutes({ store, access, usage, maxBodyBytes: config.limits.max_body_bytes });
  const gateway = await Gateway.create(config, { log, access, usage, extraRoutes });
  const address = await gateway.listen(host, port);
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log.announce(`relais listening on http://${shownHost}:${address.port}`, {
    event: 'listening',
    url: `http://${shownHost}:${address.port}`,
    port: address.port,
    config: source,
    models: gateway.router.list().map((m) => m.name),
  });
  if (access.open) log.warn('no master key and no API keys: the gateway is open to anyone who can reach it (fine for local use)');
  if (gateway.router.list().length === 0) {
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
