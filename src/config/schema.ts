// The relais.yaml schema. Validation errors name the field; the loader adds the line.
import { z } from 'zod';
import { modelCapabilities } from '../backends/backend.js';
import { authSchema } from './auth-schema.js';

const hostPort = z
  .string()
  .regex(/^(?:(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]*):)?\d{1,5}$/, 'expected HOST:PORT, e.g. 127.0.0.1:8080 (a port alone is 127.0.0.1)');

const zone = z.string().regex(/^[a-z0-9_-]+$/, 'zone names are lower-case words such as local or eu');

export const backendKinds = ['vllm', 'sglang', 'llamacpp', 'tgi', 'ollama', 'openai', 'embedded'] as const;

const timeouts = z
  .object({
    connect_ms: z.number().int().positive().default(5_000),
    first_byte_ms: z.number().int().positive().default(120_000),
    total_ms: z.number().int().positive().default(600_000),
  })
  .strict();

const httpBackend = z
  .object({
    kind: z.enum(['vllm', 'sglang', 'llamacpp', 'tgi', 'ollama', 'openai']),
    url: z.string().url('expected an http(s) URL such as http://10.0.0.5:8000'),
    api_key: z.string().optional(),
    /** Default: 'local' for engines, 'hosted' for hosted APIs (kind openai, or hosted: true). */
    zone: zone.optional(),
    /** Cap on simultaneous requests sent to this backend (connection pool size). */
    max_connections: z.number().int().positive().default(256),
    /** Requests in flight at which the router treats this backend as saturated (queue or overflow). */
    max_concurrency: z.number().int().positive().optional(),
    /** A hosted API billed per token (default: kind openai). Routing prefers own hardware. */
    hosted: z.boolean().optional(),
    timeouts: timeouts.partial().optional(),
  })
  .strict();

const embeddedBackend = z
  .object({
    kind: z.literal('embedded'),
    models_dir: z.string().optional(),
    zone: zone.default('local'),
    /** Parallel sequences per loaded model. */
    parallel: z.number().int().positive().max(64).default(4),
    /** Requests waiting beyond the parallel ones; a full queue answers 429. */
    queue: z.number().int().nonnegative().default(32),
    context: z.number().int().positive().default(4096),
    threads: z.number().int().positive().optional(),
    keep_alive: z.string().default('5m'),
    max_loaded_models: z.number().int().positive().default(2),
    gpu: z.boolean().default(false),
  })
  .strict();

export const backendSchema = z.discriminatedUnion('kind', [httpBackend, embeddedBackend]);

// Credits per 1M tokens: finite and bounded, so that no cost or reservation can overflow.
const credits = z.number().nonnegative().finite().max(1e9);
const price = z
  .object({
    input: credits,
    output: credits,
    cached_input: credits.optional(),
  })
  .strict();

const deployment = z
  .object({
    backend: z.string().min(1),
    model: z.string().min(1),
    /** Context window of this deployment, for the context-fits routing filter. */
    context: z.number().int().positive().optional(),
  })
  .strict();

const routing = z
  .object({
    /** Scorer weights; when given, replaces the default set (prefix 3, queue 2, kv 2, cost 1). */
    scorers: z
      .object({
        prefix: z.number().nonnegative(),
        queue: z.number().nonnegative(),
        kv: z.number().nonnegative(),
        latency: z.number().nonnegative(),
        rendezvous: z.number().nonnegative(),
        session: z.number().nonnegative(),
        cost: z.number().nonnegative(),
      })
      .partial()
      .strict()
      .optional(),
    /** Saturation thresholds: engine waiting requests and KV-cache use (0..1). */
    saturation: z.object({ queue: z.number().positive(), kv: z.number().gt(0).max(1) }).partial().strict().optional(),
    /** The admission queue used while every allowed replica is saturated. */
    queue: z.object({ max_length: z.number().int().nonnegative(), max_wait_ms: z.number().int().positive() }).partial().strict().optional(),
  })
  .strict();

const model = z
  .object({
    name: z.string().regex(/^[^\s]+$/, 'model names have no spaces'),
    deployments: z.array(deployment).min(1, 'a model needs at least one deployment'),
    fallbacks: z.array(z.string()).default([]),
    price: price.optional(),
    routing: routing.optional(),
    description: z.string().optional(),
    /** What Ollama's /api/show reports; default: what the engine tells (embedded), else completion only. */
    capabilities: z.array(z.enum(modelCapabilities)).optional(),
  })
  .strict();

const store = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sqlite'), path: z.string().optional() }).strict(),
  z
    .object({
      kind: z.literal('postgres'),
      url: z.string().min(1),
      /** Schema holding relais tables (created when missing); default is the connection's search_path. */
      schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'lower-case SQL identifier').optional(),
      pool_size: z.number().int().positive().default(10),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    listen: hostPort.default('127.0.0.1:8080'),
    data_dir: z.string().default('./.relais'),
    master_key: z.string().optional(),
    log_level: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** One structured line per request at info level (method, path, model, key id, status, outcome, backend, tokens, latency). */
    access_log: z.boolean().default(true),
    backends: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/, 'backend ids are letters, digits, _ . -'), backendSchema).default({}),
    models: z.array(model).default([]),
    /** Model names clients send → served model: exact names or `*` patterns (`claude-*: qwen-coder`). */
    aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** Stored responses of the Responses API (previous_response_id, GET /v1/responses/{id}). */
    responses: z
      .object({
        /** Keep responses unless a request says store: false (false: never keep them). */
        store: z.boolean().default(true),
        /** Days a stored response is kept; default: the key's log retention (access.log_retention_days). */
        retention_days: z.number().int().positive().max(3650).optional(),
      })
      .strict()
      .default({}),
    timeouts: timeouts.default({}),
    limits: z
      .object({
        max_body_bytes: z.number().int().positive().default(4 * 1024 * 1024),
        /**
         * Largest non-streamed answer read from an engine; past it the reading stops and the client gets
         * 502 (an engine that sends without end must not take the memory). Far above real answers:
         * 2,048 embeddings of 3,072 dimensions as JSON floats are ~130 MB. Streams are relayed as they come.
         */
        max_response_bytes: z.number().int().positive().default(256 * 1024 * 1024),
        /** Longest wait for a request body to arrive: then 408 and the connection closes. */
        body_timeout_ms: z.number().int().positive().max(3_600_000).default(30_000),
        /** Reservation used for budget and tpm when a request has no max_tokens. */
        default_max_tokens: z.number().int().positive().default(1024),
      })
      .strict()
      .default({}),
    health: z
      .object({
        interval_ms: z.number().int().positive().default(5_000),
        timeout_ms: z.number().int().positive().default(2_000),
        /** Consecutive failures that open a replica's circuit breaker. */
        failure_threshold: z.number().int().positive().default(3),
        cooldown_ms: z.number().int().positive().default(10_000),
      })
      .strict()
      .default({}),
    /** Engine metrics scraping for load-aware routing. */
    scrape: z
      .object({
        interval_ms: z.number().int().positive().default(100),
        /** Load older than this is ignored (the router falls back to its own in-flight counts). */
        stale_ms: z.number().int().positive().default(1_000),
      })
      .strict()
      .default({}),
    /** Routing defaults for every model (a model's own `routing` overrides field by field). */
    routing: routing.optional(),
    shutdown: z
      .object({ grace_ms: z.number().int().nonnegative().default(30_000) })
      .strict()
      .default({}),
    store: store.optional(),
    redis: z
      .object({
        url: z.string().min(1),
        fail_open: z.boolean().default(false),
        /** Prefix of every limiter key, so several gateways can share one Redis. */
        prefix: z.string().min(1).default('relais'),
        /**
         * A running request's hold on its concurrency slot and budget reservation, renewed while it runs:
         * how long a crashed instance's holds outlive it.
         */
        lease_ms: z.number().int().min(1_000).max(15 * 60_000).default(15_000),
        /** Instances tell each other their routing decisions (prefix affinity across instances). */
        share_routing: z.boolean().default(true),
      })
      .strict()
      .optional(),
    /** OpenTelemetry traces over OTLP/HTTP (JSON); off unless an endpoint is given. */
    tracing: z
      .object({
        /** Collector base URL, e.g. http://otel-collector:4318 (/v1/traces is added). */
        endpoint: z.string().url('expected an http(s) URL such as http://otel-collector:4318'),
        headers: z.record(z.string()).default({}),
        service_name: z.string().min(1).default('relais'),
        /** Share of requests traced when the client sends no traceparent (its sampled flag is kept otherwise). */
        sample: z.number().min(0).max(1).default(1),
      })
      .strict()
      .optional(),
    /** Usage records: a local journal bounds what kill -9 can lose (docs/keys.md). */
    usage: z
      .object({
        journal: z.boolean().default(true),
        /** Longest a record waits before it is written to the journal file. */
        journal_interval_ms: z.number().int().positive().max(1_000).default(10),
        /** fdatasync the journal: survives an OS crash too, not only a killed process. */
        journal_fsync: z.boolean().default(true),
        /** At most one fdatasync per this many ms (0: after every write); each costs the machine far more than a write. */
        journal_fsync_ms: z.number().int().min(0).max(60_000).default(1_000),
        /** Write usage batches from a worker thread (its own store connection): the event loop only hands records over. */
        writer_thread: z.boolean().default(true),
        /** Days raw usage records and prompt logs are kept; 0 or null keeps them for ever. Rollups are always kept. */
        retention_days: z.number().int().min(0).max(36_500).nullable().default(90),
        /** How often the retention purge runs (it also runs on POST /admin/usage/purge). */
        purge_interval_minutes: z.number().int().positive().max(10_080).default(60),
        /** Rows deleted per purge step (SQLite; PostgreSQL drops whole day partitions). */
        purge_batch_rows: z.number().int().min(10).max(100_000).default(2_000),
        /** Pause between purge steps, so the gateway's own writes and reads go between them. */
        purge_pause_ms: z.number().int().min(0).max(60_000).default(50),
      })
      .strict()
      .default({}),
    access: z
      .object({
        /** How often each instance polls the store's revision to pick up key changes made elsewhere. */
        refresh_ms: z.number().int().positive().default(2_000),
        /** Days prompt logs are kept when a key does not say. */
        log_retention_days: z.number().int().positive().default(30),
        /**
         * Without a master key, who may call: everyone (as an admin) until the store has held a key
         * (until_first_key), also again once no key is usable (while_no_usable_key), or nobody without a key (never).
         */
        open: z.enum(['until_first_key', 'while_no_usable_key', 'never']).default('until_first_key'),
      })
      .strict()
      .default({}),
    /** Budget and key-expiry alerts sent to signed webhooks (docs/identity.md). */
    alerts: z
      .object({
        /** Each alert is POSTed to every webhook, signed with its secret (x-relais-signature). */
        webhooks: z
          .array(z.object({ url: z.string().url('expected an http(s) URL'), secret: z.string().min(16, 'use a secret of at least 16 characters') }).strict())
          .min(1),
        /** Percent of a budget (key, user or team) whose crossing raises an alert, once per period. */
        budget_thresholds: z.array(z.number().finite().positive().max(1_000)).max(20).default([50, 80, 100]),
        /** Warn this many days before a key expires (0: no expiry alerts). */
        key_expiry_days: z.number().int().min(0).max(365).default(7),
        /** How often spend and expiries are checked (each instance; the store keeps alerts unique). */
        check_ms: z.number().int().min(100).max(3_600_000).default(60_000),
        /** First retry delay of a failed delivery; doubled at each attempt, up to an hour. */
        retry_ms: z.number().int().min(10).max(3_600_000).default(5_000),
        max_attempts: z.number().int().min(1).max(50).default(10),
      })
      .strict()
      .optional(),
    /** Single sign-on for people (oidc) and JWT bearer tokens for machines (jwt); see docs/identity.md. */
    auth: authSchema.default({}),
    /** The browser console at /ui (see docs/console.md). */
    console: z
      .object({
        enabled: z.boolean().default(true),
        /** A console session lasts this long after sign-in, then the user signs in again. */
        session_ttl_minutes: z.number().int().positive().max(43_200).default(480),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const names = new Set<string>();
    cfg.models.forEach((m, i) => {
      if (names.has(m.name)) ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name '${m.name}'` });
      names.add(m.name);
      m.deployments.forEach((d, j) => {
        if (!(d.backend in cfg.backends)) {
          ctx.addIssue({ code: 'custom', path: ['models', i, 'deployments', j, 'backend'], message: `unknown backend '${d.backend}' (defined: ${Object.keys(cfg.backends).join(', ') || 'none'})` });
        }
      });
    });
    if (cfg.models.length > 0) {
      for (const [alias, target] of Object.entries(cfg.aliases)) {
        if (!names.has(target)) ctx.addIssue({ code: 'custom', path: ['aliases', alias], message: `unknown model '${target}' (models: ${[...names].join(', ')})` });
      }
    }
    cfg.models.forEach((m, i) => {
      m.fallbacks.forEach((f, j) => {
        if (!names.has(f)) ctx.addIssue({ code: 'custom', path: ['models', i, 'fallbacks', j], message: `unknown fallback model '${f}'` });
        if (f === m.name) ctx.addIssue({ code: 'custom', path: ['models', i, 'fallbacks', j], message: 'a model cannot fall back to itself' });
      });
    });
  });

export type Config = z.infer<typeof configSchema>;
export type BackendConfig = z.infer<typeof backendSchema>;
export type HttpBackendConfig = z.infer<typeof httpBackend>;

/** A hosted API (billed per token, someone else's machines) unless said otherwise. */
export function isHosted(cfg: HttpBackendConfig): boolean {
  return cfg.hosted ?? cfg.kind === 'openai';
}

/** The data zone of an HTTP backend: never 'local' by default for a hosted API. */
export function backendZone(cfg: HttpBackendConfig): string {
  return cfg.zone ?? (isHosted(cfg) ? 'hosted' : 'local');
}
export type EmbeddedBackendConfig = z.infer<typeof embeddedBackend>;
export type ModelConfig = z.infer<typeof model>;
export type DeploymentConfig = z.infer<typeof deployment>;
export type PriceConfig = z.infer<typeof price>;
export type RoutingConfig = z.infer<typeof routing>;
export type TimeoutsConfig = z.infer<typeof timeouts>;
