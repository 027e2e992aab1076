// relais serve: load the config (file, or environment), start the gateway, drain on SIGTERM.
import nodeCluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listenWarning, parseListen } from '../config/listen.js';
import { configFromEnv, ConfigError, loadConfigFile } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { embeddedServeSetup } from '../backends/embedded.js';
import type { ExtraRoute, LiveParts } from '../server/routes.js';
import { consoleRoutes } from '../console/routes.js';
import { SessionAccess } from '../identity/session-access.js';
import { SessionCache } from '../identity/session-cache.js';
import { AlertService } from '../alerts/alert-service.js';
import { identityParts } from '../identity/identity-parts.js';
import { createAccess } from '../access/create-access.js';
import { adminRoutes } from '../server/admin/routes.js';
import { joinCluster } from '../cluster/join.js';
import { ConfigReloader } from '../server/config-reloader.js';
import { Gateway } from '../server/gateway.js';
import { openStore } from '../store/open-store.js';
import { createUsageWriter } from '../usage/batched-writer.js';
import { UsageRetention } from '../usage/retention.js';
import { UsageJournal } from '../usage/journal.js';
import { replayJournals } from '../usage/journal-replay.js';
import { UsageStoreThread } from '../usage/store-thread.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import type { Store } from '../store/types.js';
import { IpcLimiter } from '../workers/ipc-limiter.js';
import { isWorkerMessage } from '../workers/messages.js';
import { runPrimary } from '../workers/primary.js';

const help = `Usage: relais serve [--config relais.yaml] [--listen HOST:PORT] [--workers N|auto] [--watch-config] [--demo] [--models-dir DIR]

  --config FILE      configuration file (default: $RELAIS_CONFIG, else ./relais.yaml when present,
                     else backends from $RELAIS_BACKENDS, else every GGUF in the models directory)
  --listen HOST:PORT address to listen on (overrides the file's 'listen'; port 0 picks a free port;
                     a port alone is 127.0.0.1:PORT; ':PORT' is every interface, with a warning)
  --workers N|auto   worker processes sharing the port (auto: one per core; default: auto when
                     NODE_ENV=production and no embedded engine serves, else 1); limits and budgets
                     stay exact across them (through Redis when configured, else the primary)
  --watch-config     reload the configuration file when it changes (SIGHUP always reloads it)
  --demo             serve relais-demo, a tiny generated model (random weights: meaningless output)
  --models-dir DIR   GGUF models for the embedded engine (default: $RELAIS_MODELS_DIR, else ./.relais/models)
`;

async function loadConfig(
  file: string | undefined,
  zero: { demo: boolean; modelsDir: string | undefined },
): Promise<{ config: Config; source: string; file?: string; notice?: string }> {
  const path = file ?? process.env.RELAIS_CONFIG ?? (existsSync('relais.yaml') ? 'relais.yaml' : undefined);
  if (path && !zero.demo) return { config: loadConfigFile(path), source: path, file: path };
  const fromEnv = configFromEnv();
  if (Object.keys(fromEnv.backends).length > 0 && !zero.demo) return { config: fromEnv, source: 'environment' };
  // Zero config: the embedded engine serves every GGUF of the models directory (--demo generates relais-demo).
  const setup = await embeddedServeSetup({ demo: zero.demo, modelsDir: zero.modelsDir });
  const config = configSchema.parse({ ...fromEnv, backends: setup.backends, models: setup.models });
  return { config, source: zero.demo ? 'demo' : `models directory ${setup.modelsDir}`, notice: setup.message };
}

/**
 * The first SIGTERM or SIGINT drains, closes everything and resolves with the exit code (1 when
 * anything failed); a second one exits at once.
 */
function stopOnSignals(gateway: Gateway, store: Store, log: Logger, graceMs: number, beforeForcedExit: () => void, afterDrain: () => Promise<void>, worker = false): Promise<number> {
  const settled = (p: Promise<void>): Promise<unknown> => p.then(() => undefined, (err: unknown) => err ?? new Error('failed'));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals): Promise<void> => {
      if (stopping) {
        // A second signal ends the drain at once; buffered usage records stay in the journal.
        log.warn(`second ${signal}: exiting without finishing the drain`, { signal });
        beforeForcedExit();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      log.info('shutting down: draining in-flight requests', { signal, grace_ms: graceMs });
      const gatewayErr = await settled(gateway.close().then(afterDrain));
      // The store closes whatever happened before: an open pool would keep the process alive.
      const storeErr = await Promise.race([
        settled(store.close()),
        new Promise<Error>((r) => setTimeout(() => r(new Error('closing the store took longer than 5 s')), 5_000).unref()),
      ]);
      const err = gatewayErr ?? storeErr;
      if (err === undefined) log.info('stopped');
      else log.error('shutdown failed', { error: String(err) });
      const code = err === undefined ? 0 : 1;
      // Something still holding the event loop (a dead connection) must not keep a stopped gateway alive.
      setTimeout(() => process.exit(code), 2_000).unref();
      resolve(code);
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    // A worker stops when its primary says so: Ctrl-C reaches the whole process group, and the
    // primary's SIGTERM after it would count as a second signal.
    process.on('SIGINT', () => (worker ? undefined : void stop('SIGINT')));
  });
}

/**
 * --workers: a whole number from 1 to 256, or auto (one per core). Without the flag: one per core in
 * production (NODE_ENV=production, as the Docker image and the systemd unit set it) unless an embedded
 * engine serves (each worker would load its own copy of every model); otherwise (a checkout, tests) one.
 */
function workerCount(v: string | undefined, config: Config): number | undefined {
  if (v === undefined) {
    const embedded = Object.values(config.backends).some((b) => b.kind === 'embedded');
    return process.env.NODE_ENV === 'production' && !embedded ? availableParallelism() : 1;
  }
  if (v === 'auto') return availableParallelism();
  const n = Number(v);
  return Number.isInteger(n) && n >= 1 && n <= 256 ? n : undefined;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      listen: { type: 'string', short: 'l' },
      demo: { type: 'boolean' },
      'models-dir': { type: 'string' },
      'watch-config': { type: 'boolean' },
      workers: { type: 'string', short: 'w' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(help);
    return 0;
  }
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
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
  const workers = workerCount(values.workers, config);
  if (workers === undefined) {
    console.error(`relais serve: --workers must be a whole number from 1 to 256, or auto (got '${values.workers}')`);
    return 2;
  }
  const listenValue = values.listen ?? config.listen;
  let listenAt: ReturnType<typeof parseListen>;
  try {
    listenAt = parseListen(listenValue);
  } catch (err) {
    console.error(`relais serve: --listen: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  const { host, port } = listenAt;
  // Keys, limits and usage: the store (SQLite in data_dir unless configured), limiter (Redis when configured).
  const warn = (message: string): void => log.warn(message);
  const store = await openStore(config, warn);
  const journalDir = join(config.data_dir, 'journal');
  // Records a killed process had answered but not yet written go into the store before serving
  // (whatever usage.journal says now: the files may come from a run that had it on). With workers,
  // the primary replays once before forking them.
  if (!nodeCluster.isWorker) {
    const replay = await replayJournals(journalDir, store, warn).catch((err: unknown) => {
      log.warn(`relais usage: replaying usage journals failed (they stay for the next start): ${String(err)}`);
      return undefined;
    });
    if (replay && replay.journals > 0) log.announce('replayed usage journals of a previous run', { event: 'journal_replay', ...replay });
  }
  if (workers > 1 && nodeCluster.isPrimary) {
    await store.close();
    return runPrimary({ workers, log, sharedLimiter: !config.redis });
  }
  // A worker without Redis asks the primary's limiter; the primary answers its metrics requests too.
  const ipcLimiter = nodeCluster.isWorker && !config.redis ? new IpcLimiter() : undefined;
  // After the replay: budgets are seeded from the store's spend, replayed records included.
  // With single sign-on or JWT issuers, a gateway is never open to anonymous callers (access.open: never).
  const signIn = config.auth.oidc !== undefined || config.auth.jwt.length > 0;
  const access = await createAccess({ config: signIn ? { ...config, access: { ...config.access, open: 'never' } } : config, store, warn, sharedLimiter: ipcLimiter });
  const journal = config.usage.journal
    ? new UsageJournal({ dir: journalDir, intervalMs: config.usage.journal_interval_ms, fsync: config.usage.journal_fsync, fsyncMs: config.usage.journal_fsync_ms, warn })
    : undefined;
  // Batches are written from a worker thread by default: SQLite's transactions would block the event loop.
  const usageThread = config.usage.writer_thread ? await UsageStoreThread.start(config) : undefined;
  // The retention purge also purges prompt logs past their key's retention, in bounded steps.
  const usage = createUsageWriter(usageThread ?? store, { warn, journal, purgeEveryMs: 0 });
  const retention = new UsageRetention(store, {
    retentionDays: config.usage.retention_days,
    everyMs: config.usage.purge_interval_minutes * 60_000,
    batchRows: config.usage.purge_batch_rows,
    pauseMs: config.usage.purge_pause_ms,
    warn,
  });
  // The console's sessions: the access stage accepts their cookie as a credential (docs/console.md).
  const sessions = await SessionCache.create({ store, refreshMs: config.access.refresh_ms, ttlMs: config.console.session_ttl_minutes * 60_000, warn });
  const sessionAccess = new SessionAccess(access, sessions);
  const identity = identityParts(config.auth, { store, keys: access, sessions: sessionAccess, warn: (m, f) => log.warn(m, f) });
  const gatewayAccess = identity.access;
  const extraRoutes = (live: LiveParts): ExtraRoute[] => [
    ...(config.console.enabled ? consoleRoutes({ access: sessionAccess, methods: identity.methods }) : []),
    ...identity.routes,
    ...adminRoutes({ store, access, usage, retention, maxBodyBytes: config.limits.max_body_bytes, live }),
  ];
  const metricsWaits = new Map<number, (text: string) => void>();
  let metricsAsked = 0;
  const allMetrics = nodeCluster.isWorker
    ? (): Promise<string> =>
        new Promise<string>((resolve) => {
          const id = ++metricsAsked;
          const timer = setTimeout(() => {
            metricsWaits.delete(id);
            resolve(gateway.metrics.registry.render());
          }, 5_000);
          metricsWaits.set(id, (text) => {
            clearTimeout(timer);
            resolve(text);
          });
          process.send?.({ t: 'metrics', id });
        })
    : undefined;
  const gateway = await Gateway.create(config, { log, access: gatewayAccess, usage, extraRoutes, responses: store, metricsText: allMetrics });
  if (nodeCluster.isWorker) {
    process.on('message', (m: unknown) => {
      if (!isWorkerMessage(m)) return;
      if (m.t === 'limiter-batch') ipcLimiter?.receive(m);
      else if (m.t === 'keys') access.sync().catch((err: unknown) => warn(`relais workers: key reload failed: ${String(err)}`));
      else if (m.t === 'metrics-dump') process.send?.({ t: 'metrics-dump', id: m.id, text: gateway.metrics.registry.render() });
      else if (m.t === 'metrics' && 'text' in m) {
        metricsWaits.get(m.id)?.(m.text);
        metricsWaits.delete(m.id);
      }
    });
    access.onLocalChange(() => process.send?.({ t: 'keys' }));
  }
  // Budget and key-expiry alerts to signed webhooks (restart-only, like the store).
  const alerts = config.alerts ? new AlertService(store, config.alerts, warn, () => usage.flush()).start() : undefined;
  // With Redis, the instances of a deployment share key changes and routing decisions.
  const cluster = config.redis ? joinCluster(config.redis, access, gateway.router, warn) : undefined;
  const address = await gateway.listen(host, port);
  retention.start();
  // Signal handlers before the 'listening' line: whoever waits for it may signal at once.
  // A forced exit first writes the journal's last lines (synchronously: the process ends right after).
  // SIGHUP (and, opt-in, a change of the file) reloads the configuration without dropping a request.
  const reloader = loaded.file ? new ConfigReloader(loaded.file, (next) => gateway.reload(next), log) : undefined;
  if (reloader && values['watch-config']) reloader.watch();
  process.on('SIGHUP', () => {
    if (reloader) void reloader.request('SIGHUP');
    else log.warn('SIGHUP: nothing to reload, the gateway was not started from a configuration file', { config: source });
  });
  const stopped = stopOnSignals(gateway, store, log, config.shutdown.grace_ms, () => void journal?.sync(), async () => {
    reloader?.stop();
    await alerts?.close();
    await retention.stop();
    await cluster?.close();
    await usageThread?.close();
  }, nodeCluster.isWorker);
  const exposed = listenWarning(listenValue, listenAt);
  if (exposed !== undefined) log.warn(exposed, { listen: listenValue });
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  // With workers, the primary says `listening` once all of them are; each worker says it is ready.
  const worker = nodeCluster.worker?.id;
  log.announce(worker === undefined ? `relais listening on http://${shownHost}:${address.port}` : `relais worker ${worker} ready on http://${shownHost}:${address.port}`, {
    event: worker === undefined ? 'listening' : 'worker_ready',
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

  return stopped;
}
