// The OpenAI-compatible adapter over undici: one connection pool per engine, bytes passed through.
import { Pool, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import { backendZone, type HttpBackendConfig, type TimeoutsConfig } from '../config/schema.js';
import type { Endpoint } from '../protocol/canonical.js';
import type { JsonObject } from '../protocol/json.js';
import { BackendError, type Backend, type EngineLoad, type UpstreamCall, type UpstreamReply } from './backend.js';
import { parseEngineLoad } from './engine-metrics.js';
import { flavours, type Flavour } from './flavours.js';
import { engineTokenCount } from './token-count.js';

const endpointPaths: Record<Endpoint, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  rerank: '/rerank',
  score: '/score',
};

/** Upstream headers worth forwarding to the client. */
const keptHeaders = ['retry-after', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'];

function classify(err: unknown, signal: AbortSignal, totalTimedOut: () => boolean): BackendError {
  if (err instanceof BackendError) return err;
  if (totalTimedOut()) return new BackendError('timeout', 'upstream exceeded the total timeout');
  if (signal.aborted) return new BackendError('aborted', 'request aborted');
  if (err instanceof undiciErrors.HeadersTimeoutError) return new BackendError('timeout', 'upstream sent no response within the first-byte timeout');
  if (err instanceof undiciErrors.ConnectTimeoutError) return new BackendError('timeout', 'upstream connect timeout');
  if (err instanceof undiciErrors.BodyTimeoutError) return new BackendError('timeout', 'upstream stalled while sending the body');
  const code = (err as { code?: string }).code ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|EPIPE|UND_ERR_SOCKET|UND_ERR_CLOSED|EAI_AGAIN/.test(code + message)) {
    return new BackendError('connect', `cannot reach upstream: ${code || message}`);
  }
  return new BackendError('protocol', `upstream request failed: ${message}`);
}

export class HttpBackend implements Backend {
  readonly kind: HttpBackendConfig['kind'];
  readonly zone: string;
  private readonly pool: Pool;
  private readonly flavour: Flavour;
  private readonly apiBase: string;
  private readonly rootPath: string;
  private readonly authHeaders: Record<string, string>;
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
    this.authHeaders = cfg.api_key ? { authorization: `Bearer ${cfg.api_key}` } : {};
    this.pool = new Pool(url.origin, {
      connections: cfg.max_connections,
      connectTimeout: t.connect_ms,
      headersTimeout: t.first_byte_ms,
      bodyTimeout: t.first_byte_ms,
      keepAliveTimeout: 30_000,
    });
  }

  async call(call: UpstreamCall, signal: AbortSignal): Promise<UpstreamReply> {
    let timedOut = false;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.totalMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool.request({
        path: this.apiBase + endpointPaths[call.endpoint],
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: call.stream ? 'text/event-stream' : 'application/json',
          'x-request-id': call.requestId,
          ...this.authHeaders,
        },
        body: JSON.stringify(call.body),
        signal: controller.signal,
        // A non-streamed answer's headers come when generation ends: only the total timeout applies.
        headersTimeout: call.stream ? this.firstByteMs : this.totalMs,
      });
    } catch (err) {
      cleanup();
      throw classify(err, signal, () => timedOut);
    }
    const headers: Record<string, string> = {};
    for (const name of keptHeaders) {
      const v = res.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    if (res.statusCode !== 200) {
      let text = '';
      try {
        text = (await res.body.text()).slice(0, 8192);
      } catch {
        // The error body is best effort.
      }
      cleanup();
      throw new BackendError('status', `upstream answered ${res.statusCode}`, res.statusCode, text, headers);
    }
    const body = res.body;
    const guarded = async function* (): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of body) yield chunk as Uint8Array;
      } catch (err) {
        throw classify(err, signal, () => timedOut);
      } finally {
        cleanup();
        if (!body.destroyed) body.destroy();
      }
    };
    return {
      status: 200,
      contentType: String(res.headers['content-type'] ?? (call.stream ? 'text/event-stream' : 'application/json')),
      headers,
      body: guarded(),
    };
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
    const json = (await res.body.json()) as { data?: { id?: unknown }[] };
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
    return parseEngineLoad(await res.body.text(), metrics, performance.now());
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
