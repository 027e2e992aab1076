// HTTP wiring: routes → codecs → pipeline; health, metrics, model lists; graceful drain.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Access, Credentials } from '../access/access.js';
import { modelAllowed, type Principal } from '../access/principal.js';
import { sessionCredentials } from '../identity/session-credentials.js';
import type { ClientProtocol, Endpoint } from '../protocol/canonical.js';
import { errors, GatewayError } from '../protocol/errors.js';
import { parseOllamaRequest, type OllamaRoute } from '../protocol/ollama-codec.js';
import { openAIModelList, parseOpenAIRequest } from '../protocol/openai-codec.js';
import type { ModelEntry } from '../router/model-table.js';
import type { Router } from '../router/router.js';
import { noteKey, writeAccessLine } from '../telemetry/access-log.js';
import type { Logger } from '../telemetry/log.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { parseJson, readBody, sendJson, setBodyDeadline, type BodyDeadline } from './body.js';
import { OLLAMA_COMPAT_VERSION, ollamaPs, ollamaShow, ollamaTags } from './ollama-info.js';
import type { Pipeline } from './pipeline.js';
import { requestIdFrom } from './request-id.js';
import { asGatewayError, respondError } from './respond-error.js';
import type { ExtraRoute, RouteContext } from './routes.js';

const openAIRoutes: Record<string, Endpoint> = {
  '/v1/chat/completions': 'chat',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
  '/v1/rerank': 'rerank',
  '/v2/rerank': 'rerank',
  '/rerank': 'rerank',
  '/v1/score': 'score',
  '/score': 'score',
};

const ollamaRoutes: Record<string, OllamaRoute> = {
  '/api/chat': 'chat',
  '/api/generate': 'generate',
  '/api/embed': 'embed',
  '/api/embeddings': 'embeddings',
};

export interface AppDeps {
  readonly router: Router;
  readonly access: Access;
  readonly pipeline: Pipeline;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  /** Longest wait for a request body to arrive (then 408 and the connection closes). */
  readonly bodyTimeoutMs: number;
  /** One info line per request (config access_log). */
  readonly accessLog?: boolean | undefined;
  readonly extraRoutes?: readonly ExtraRoute[];
  /** /metrics from elsewhere (every cluster worker's, merged); this process's own registry otherwise. */
  readonly metricsText?: (() => Promise<string>) | undefined;
}

export class GatewayApp {
  readonly server: Server;
  private active = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  /** Requests whose body is still arriving: a drain answers them at once. */
  private readonly reading = new Set<BodyDeadline>();

  private readonly accessLog: boolean;

  constructor(private readonly deps: AppDeps) {
    this.accessLog = deps.accessLog !== false && deps.log.enabled('info');
    // Node's own request timeout only backs ours up, for a body no route reads (a 404 with a body that
    // never ends): it covers receiving the request, not the (streamed) answer.
    const requestTimeout = Math.max(deps.bodyTimeoutMs, 30_000) + 5_000;
    this.server = createServer({ keepAlive: true, requestTimeout }, (req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 30_000;
    // CONNECT is for proxies; without this Node drops the connection without an answer.
    this.server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
      const body = JSON.stringify({ error: { message: 'CONNECT is not supported: this is an API gateway, not a proxy.', type: 'invalid_request_error', param: null, code: 'method_not_allowed' } });
      socket.on('error', () => undefined);
      socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    });
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      // A deep accept queue: thousands of clients connecting at once must wait, not be reset (the kernel caps it at somaxconn).
      this.server.listen({ port, host, backlog: 4096 }, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting and lets in-flight requests finish (up to graceMs), returning as soon as they are
   * done. Meanwhile new requests on kept-alive connections get 503 with `Connection: close`, bodies
   * still arriving are answered at once, and each connection closes after its last answer. Streams
   * still running at the end of the grace get an error event and are recorded as cut by the gateway.
   */
  async drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    const allClosed = new Promise<void>((r) => this.server.close(() => r()));
    this.server.closeIdleConnections();
    for (const r of this.reading) {
      r.stopped = errors.shuttingDown();
      r.cut?.(r.stopped);
    }
    const clean = await this.whenIdle(graceMs);
    if (!clean) {
      // Cut streams write their error event and settle their usage before the sinks close.
      this.deps.pipeline.cutAll();
      await this.whenIdle(2_000);
    }
    // Answers still queued on their connection (a 503 behind a stream) go out before what is left is closed.
    await Promise.race([allClosed, new Promise<void>((r) => setTimeout(r, 1_000).unref())]);
    this.server.closeAllConnections();
    if (this.active > 0) await this.whenIdle(1_000);
    return clean;
  }

  /** Resolves true once no request is in flight, false after `ms`. */
  private whenIdle(ms: number): Promise<boolean> {
    if (this.active === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      timer.unref();
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const protocol: ClientProtocol = path.startsWith('/api/') ? 'ollama' : 'openai';
    const body: BodyDeadline = { timeoutMs: this.deps.bodyTimeoutMs };
    setBodyDeadline(req, body);
    if (!req.complete) this.reading.add(body);
    this.active++;
    try {
      if (this.draining) {
        // A kept-alive connection's next request during the drain: health probes are answered, the rest told to go elsewhere.
        res.setHeader('connection', 'close');
        if (!drainProbes.has(path)) throw errors.shuttingDown();
      }
      await this.route(req, res, path, url, q, requestId, arrivedAt, protocol);
    } catch (err) {
      this.fail(res, err, this.extraRoute(path, req.method ?? 'GET')?.protocol ?? protocol, requestId, path);
    } finally {
      this.reading.delete(body);
      if (this.accessLog) writeAccessLine(this.deps.log, req, res, requestId, path, arrivedAt);
      // A connection that answered its last request during the drain closes (its client reconnects elsewhere).
      if (this.draining) {
        const closeIdle = (): void => void setImmediate(() => this.server.closeIdleConnections());
        if (res.closed) closeIdle();
        else res.once('close', closeIdle);
      }
      if (--this.active === 0 && this.idleWaiters.length) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }

  /**
   * Answers an error in the client's protocol. A bug (not a GatewayError) is logged with its stack and
   * request id, so is every 500; with `logServerErrors` (admin and extra routes, which have no log of
   * their own) every 5xx is.
   */
  private fail(res: ServerResponse, err: unknown, protocol: ClientProtocol, requestId: string, path: string, logServerErrors = false): void {
    const ge = asGatewayError(err);
    // A body that never arrived (or its client left mid-way) is routine: a line without a stack.
    if (ge.code === 'body_timeout' || ge.code === 'body_incomplete') this.deps.log.info('request body abandoned', { requestId, path, reason: ge.code });
    else if (!(err instanceof GatewayError)) this.deps.log.error('unhandled error', { requestId, path, status: ge.status, error: err instanceof Error ? err.stack : String(err) });
    else if ((logServerErrors && ge.status >= 500 && ge.code !== 'shutting_down') || ge.status === 500) {
      this.deps.log.error('request failed', { requestId, path, status: ge.status, error: ge.message, ...(ge.cause === undefined ? {} : { cause: String(ge.cause) }) });
    }
    respondError(res, ge, protocol);
  }

  /** The models this caller may use: the only ones model lists show. */
  private visibleModels(principal: Principal): ModelEntry[] {
    const all = this.deps.router.list();
    return principal.models === undefined ? all : all.filter((m) => modelAllowed(principal, m.name));
  }

  /** A model the caller may use, else 404 as if it did not exist. */
  private visibleModel(principal: Principal, name: string): ModelEntry {
    const entry = this.deps.router.get(name);
    if (!entry || !modelAllowed(principal, entry.name)) throw errors.unknownModel(name);
    return entry;
  }

  private credentials(req: IncomingMessage): Credentials {
    const key = req.headers['x-api-key'];
    return { authorization: req.headers.authorization, apiKey: typeof key === 'string' ? key : undefined, session: sessionCredentials(req) };
  }

  private authenticate(req: IncomingMessage, credentials: Credentials): Principal {
    const principal = this.deps.access.authenticate(credentials);
    if (this.accessLog) noteKey(req, principal.keyId ?? (principal.kind === 'master' ? 'master' : undefined));
    return principal;
  }

  private resolveModel = (name: string): string => {
    const { router } = this.deps;
    if (router.get(name)) return name;
    if (name.endsWith(':latest') && router.get(name.slice(0, -7))) return name.slice(0, -7);
    return router.resolve(name);
  };

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    url: string,
    q: number,
    requestId: string,
    arrivedAt: number,
    protocol: ClientProtocol,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const { router, pipeline, maxBodyBytes } = this.deps;
    const session = req.headers['x-session-id'];
    const meta = { id: requestId, arrivedAt, sessionId: typeof session === 'string' ? session : undefined };
    // Read once: prepare and authenticate see the same credentials.
    const credentials = this.credentials(req);
    // A console session created on another instance moments ago, or a JWT not verified yet: look it up before authenticating.
    if (this.deps.access.prepare !== undefined && (req.headers.cookie !== undefined || req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined)) {
      const pending = this.deps.access.prepare(credentials);
      if (pending !== undefined) await pending;
    }

    const endpoint = openAIRoutes[path];
    if (endpoint) {
      if (method !== 'POST') throw errors.methodNotAllowed(method, path);
      const principal = this.authenticate(req, credentials);
      const canonical = parseOpenAIRequest(endpoint, parseJson(await readBody(req, maxBodyBytes)), meta);
      // A configured alias serves under the model's own name (as OpenAI answers gpt-4o with a dated name).
      const model = router.resolve(canonical.model);
      return pipeline.run(res, model === canonical.model ? canonical : { ...canonical, model }, principal);
    }
    const ollamaRoute = ollamaRoutes[path];
    if (ollamaRoute) {
      if (method !== 'POST') throw errors.methodNotAllowed(method, path);
      const principal = this.authenticate(req, credentials);
      const json = parseJson(await readBody(req, maxBodyBytes));
      // An empty generate/chat is Ollama's way to preload a model: answer done at once.
      if ((ollamaRoute === 'generate' && isPreload(json, 'prompt')) || (ollamaRoute === 'chat' && isPreload(json, 'messages'))) {
        const model = (json as { model?: unknown }).model;
        if (typeof model !== 'string' || !router.get(this.resolveModel(model))) throw errors.unknownModel(String(model));
        return sendJson(res, 200, { model, created_at: new Date().toISOString(), ...(ollamaRoute === 'chat' ? { message: { role: 'assistant', content: '' } } : { response: '' }), done: true, done_reason: 'load' });
      }
      const parsed = parseOllamaRequest(ollamaRoute, json, meta, this.resolveModel);
      return pipeline.run(res, parsed.request, principal, parsed.shape);
    }

    switch (path) {
      case '/health/live':
      case '/health':
        return sendJson(res, this.draining ? 503 : 200, { status: this.draining ? 'draining' : 'ok' });
      case '/health/ready': {
        const r = router.ready();
        const ok = r.ready && !this.draining;
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : this.draining ? 'draining' : 'not ready', models: r.models });
      }
      case '/metrics': {
        const body = this.deps.metricsText ? await this.deps.metricsText() : this.deps.metrics.registry.render();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case '/v1/models':
        return sendJson(res, 200, openAIModelList(this.visibleModels(this.authenticate(req, credentials))));
      case '/api/tags':
        return sendJson(res, 200, await ollamaTags(this.visibleModels(this.authenticate(req, credentials))));
      case '/api/ps':
        return sendJson(res, 200, ollamaPs(this.visibleModels(this.authenticate(req, credentials))));
      case '/api/version':
        return sendJson(res, 200, { version: OLLAMA_COMPAT_VERSION });
      case '/api/show': {
        const principal = this.authenticate(req, credentials);
        const json = parseJson(await readBody(req, maxBodyBytes));
        if (typeof json !== 'object' || json === null || Array.isArray(json)) {
          throw errors.invalidParam('body', 'Invalid request: the body must be a JSON object such as {"model": "NAME"}.');
        }
        const { model, name } = json as { model?: unknown; name?: unknown };
        const shown = typeof model === 'string' ? model : typeof name === 'string' ? name : '';
        if (shown === '') throw errors.invalidParam('model', "Invalid request: 'model' is required.");
        return sendJson(res, 200, await ollamaShow(this.visibleModel(principal, this.resolveModel(shown))));
      }
      case '/':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('Relais gateway: OpenAI API under /v1, Ollama API under /api.\n');
        return;
    }
    if (path.startsWith('/v1/models/')) {
      const principal = this.authenticate(req, credentials);
      let id: string;
      try {
        id = decodeURIComponent(path.slice('/v1/models/'.length));
      } catch {
        throw errors.invalidParam('model', 'The model id in the path is not valid percent-encoding.');
      }
      const entry = this.visibleModel(principal, id);
      return sendJson(res, 200, { id: entry.name, object: 'model', created: entry.created, owned_by: 'relais' });
    }
    const r = this.extraRoute(path, method);
    if (r) {
      const principal = r.auth === false ? this.anonymous() : this.authenticate(req, credentials);
      if (r.admin && !principal.admin) throw errors.forbidden('This endpoint needs an admin key.', 'admin_required');
      const ctx: RouteContext = { requestId, arrivedAt, sessionId: meta.sessionId, path, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)), principal };
      try {
        await r.handler(req, res, ctx);
      } catch (err) {
        this.fail(res, err, r.protocol ?? protocol, requestId, path, true);
      }
      return;
    }
    throw errors.notFound(`${method} ${path}`);
  }

  /** The extra route serving this path and method, if any (its protocol shapes the errors). */
  private extraRoute(path: string, method: string): ExtraRoute | undefined {
    for (const r of this.deps.extraRoutes ?? []) {
      const matches = r.path.endsWith('/') ? path.startsWith(r.path) : path === r.path;
      if (matches && (r.method === method || r.method === '*')) return r;
    }
    return undefined;
  }

  private anonymous(): Principal {
    return { kind: 'anonymous', admin: false, zones: [], priority: 'batch', logging: 'none' };
  }
}

/** Answered during a drain (they report it); every other request gets 503 and `Connection: close`. */
const drainProbes = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

function isPreload(json: unknown, field: 'prompt' | 'messages'): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const v = (json as Record<string, unknown>)[field];
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}
