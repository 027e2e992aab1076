// The OpenAI-compatible adapter over undici: one connection pool per engine, bytes passed through.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { backendZone, type HttpBackendConfig, type TimeoutsConfig } from '../config/schema.js';
import type { Endpoint } from '../protocol/canonical.js';
import type { JsonObject } from '../protocol/json.js';
import { BackendError, type Backend, type EngineLoad, type UpstreamCall, type UpstreamReply } from './backend.js';
import { boundedJson, boundedText } from './bounded-body.js';
import { parseEngineLoad } from './engine-metrics.js';
import { flavours, type Flavour } from './flavours.js';
import { engineTokenCount } from './token-count.js';
import { UpstreamExchange } from './upstream-exchange.js';

const endpointPaths: Record<Endpoint, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  rerank: '/rerank',
  score: '/score',
};

export class HttpBackend implements Backend {
  readonly kind: HttpBackendConfig['kind'];
  readonly zone: string;
  private readonly pool: Pool;
  private readonly flavour: Flavour;
  private readonly apiBase: string;
  private readonly rootPath: string;
  private readonly authHeaders: Record<string, string>;
  private readonly authorization: string | undefined;
  /** Each endpoint's full path on this engine, built once. */
  private readonly paths: Record<Endpoint, string>;
  private readonly totalMs: number;
  private readonly firstByteMs: number;

  constructor(
    readonly id: string,
    cfg: HttpBackendConfig,
    timeouts: TimeoutsConfig,
  ) {
    this.kind = cfg.kind;
    this.zone = backendZone(cfg);
    this.flavour = flavours[cfg.kind];
    const url = new URL(cfg.url);
    // A URL that already ends in /v1 (as hosted APIs are often written) is the API base itself.
    const path = url.pathname.replace(/\/+$/, '');
    this.rootPath = path.endsWith('/v1') ? path.slice(0, -3) : path;
    this.apiBase = this.rootPath + this.flavour.apiBase;
    const t = { ...timeouts, ...cfg.timeouts };
    this.totalMs = t.total_ms;
    this.firstByteMs = t.first_byte_ms;
    this.authorization = cfg.api_key ? `Bearer ${cfg.api_key}` : undefined;
    this.authHeaders = this.authorization === undefined ? {} : { authorization: this.authorization };
    this.paths = Object.fromEntries(Object.entries(endpointPaths).map(([e, p]) => [e, this.apiBase + p])) as Record<Endpoint, string>;
    this.pool = new Pool(url.origin, {
      connections: cfg.max_connections,
      connectTimeout: t.connect_ms,
      headersTimeout: t.first_byte_ms,
      bodyTimeout: t.first_byte_ms,
      keepAliveTimeout: 30_000,
    });
  }

  call(call: UpstreamCall, signal: AbortSignal): Promise<UpstreamReply> {
    if (signal.aborted) return Promise.reject(new BackendError('aborted', 'request aborted'));
    const sent: Record<string, string> = {
      'content-type': 'application/json',
      accept: call.stream ? 'text/event-stream' : 'application/json',
      'x-request-id': call.requestId,
    };
    if (this.authorization !== undefined) sent.authorization = this.authorization;
    if (call.traceparent !== undefined) sent.traceparent = call.traceparent;
    const options: Dispatcher.DispatchOptions = {
      path: this.paths[call.endpoint],
      method: 'POST',
      headers: sent,
      body: JSON.stringify(call.body),
      // A non-streamed answer's headers come when generation ends: only the total timeout applies.
      headersTimeout: call.stream ? this.firstByteMs : this.totalMs,
    };
    return new Promise((resolve, reject) => {
      this.pool.dispatch(options, new UpstreamExchange(signal, this.totalMs, call.stream, resolve, reject));
    });
  }

  async health(signal: AbortSignal): Promise<boolean> {
    try {
      const res = await this.pool.request({ path: this.rootPath + this.flavour.healthPath, method: 'GET', headers: this.authHeaders, signal });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  async listModels(signal: AbortSignal): Promise<string[]> {
    const res = await this.pool.request({ path: this.apiBase + '/models', method: 'GET', headers: this.authHeaders, signal });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new BackendError('status', `GET /models answered ${res.statusCode}`, res.statusCode);
    }
    const json = (await boundedJson(res.body)) as { data?: { id?: unknown }[] };
    return (json.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  }

  async load(signal: AbortSignal): Promise<EngineLoad | undefined> {
    const { metricsPath, metrics } = this.flavour;
    if (!metricsPath || !metrics) return undefined;
    const res = await this.pool.request({ path: this.rootPath + metricsPath, method: 'GET', signal });
    if (res.statusCode !== 200) {
      await res.body.dump();
      return undefined;
    }
    return parseEngineLoad(await boundedText(res.body), metrics, performance.now());
  }

  serves(endpoint: Endpoint): boolean {
    return (endpoint !== 'rerank' && endpoint !== 'score') || (this.flavour.extra?.includes(endpoint) ?? false);
  }

  countTokens(body: JsonObject, signal: AbortSignal): Promise<number | undefined> {
    return engineTokenCount(this.pool, this.rootPath, this.authHeaders, this.flavour, body, signal);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
