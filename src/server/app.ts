// HTTP wiring: routes → codecs → pipeline; health, metrics, model lists; graceful drain.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
import type { Logger } from '../telemetry/log.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { parseJson, readBody, sendJson } from './body.js';
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
  readonly extraRoutes?: readonly ExtraRoute[];
}

export class GatewayApp {
  readonly server: Server;
  private active = 0;
  private draining = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly deps: AppDeps) {
    this.server = createServer({ keepAlive: true, requestTimeout: 0 }, (req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 30_000;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting, lets in-flight requests finish (up to graceMs), then closes what is left. */
  async drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    this.server.close();
    this.server.closeIdleConnections();
    const idle = this.active === 0 ? Promise.resolve(true) : new Promise<boolean>((r) => this.idleWaiters.push(() => r(true)));
    const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref());
    const clean = await Promise.race([idle, timeout]);
    this.server.closeAllConnections();
    // Cut streams still settle and record their usage: give them a moment before the sinks close.
    if (this.active > 0) {
      await Promise.race([new Promise<void>((r) => this.idleWaiters.push(() => r())), new Promise<void>((r) => setTimeout(r, 2_000).unref())]);
    }
    return clean;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrivedAt = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const protocol: ClientProtocol = path.startsWith('/api/') ? 'ollama' : 'openai';
    this.active++;
    try {
      await this.route(req, res, path, url, q, requestId, arrivedAt, protocol);
    } catch (err) {
      this.fail(res, err, protocol, requestId, path);
    } finally {
      if (--this.active === 0 && this.idleWaiters.length) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    }
  }

  /**
   * Answers an error in the client's protocol. A bug (not a GatewayError) is logged with its stack and
   * request id; with `logServerErrors` (admin and extra routes, which have no log of their own) every 5xx is.
   */
  private fail(res: ServerResponse, err: unknown, protocol: ClientProtocol, requestId: string, path: string, logServerErrors = false): void {
    const ge = asGatewayError(err);
    if (!(err instanceof GatewayError)) this.deps.log.error('unhandled error', { requestId, path, status: ge.status, error: err instanceof Error ? err.stack : String(err) });
    else if (logServerErrors && ge.status >= 500) {
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

  private authenticate(req: IncomingMessage): Principal {
    return this.deps.access.authenticate(this.credentials(req));
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
    // A console session created on another instance moments ago, or a JWT not verified yet: look it up before authenticating.
    if (this.deps.access.prepare !== undefined && (req.headers.cookie !== undefined || req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined)) {
      const pending = this.deps.access.prepare(this.credentials(req));
      if (pending !== undefined) await pending;
    }

    const endpoint = openAIRoutes[path];
    if (endpoint) {
      if (method !== 'POST') throw errors.methodNotAllowed(method, path);
      const principal = this.authenticate(req);
      const canonical = parseOpenAIRequest(endpoint, parseJson(await readBody(req, maxBodyBytes)), meta);
      // A configured alias serves under the model's own name (as OpenAI answers gpt-4o with a dated name).
      const model = router.get(canonical.model) ? canonical.model : router.resolve(canonical.model);
      return pipeline.run(res, model === canonical.model ? canonical : { ...canonical, model }, principal);
    }
    const ollamaRoute = ollamaRoutes[path];
    if (ollamaRoute) {
      if (method !== 'POST') throw errors.methodNotAllowed(method, path);
      const principal = this.authenticate(req);
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
        const body = this.deps.metrics.registry.render();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case '/v1/models':
        return sendJson(res, 200, openAIModelList(this.visibleModels(this.authenticate(req))));
      case '/api/tags':
        return sendJson(res, 200, await ollamaTags(this.visibleModels(this.authenticate(req))));
      case '/api/ps':
        return sendJson(res, 200, ollamaPs(this.visibleModels(this.authenticate(req))));
      case '/api/version':
        return sendJson(res, 200, { version: OLLAMA_COMPAT_VERSION });
      case '/api/show': {
        const principal = this.authenticate(req);
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
      const principal = this.authenticate(req);
      let id: string;
      try {
        id = decodeURIComponent(path.slice('/v1/models/'.length));
      } catch {
        throw errors.invalidParam('model', 'The model id in the path is not valid percent-encoding.');
      }
      const entry = this.visibleModel(principal, id);
      return sendJson(res, 200, { id: entry.name, object: 'model', created: entry.created, owned_by: 'relais' });
    }
    for (const r of this.deps.extraRoutes ?? []) {
      const matches = r.path.endsWith('/') ? path.startsWith(r.path) : path === r.path;
      if (!matches) continue;
      if (r.method !== method && r.method !== '*') continue;
      const principal = r.auth === false ? this.anonymous() : this.authenticate(req);
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

  private anonymous(): Principal {
    return { kind: 'anonymous', admin: false, zones: [], priority: 'batch', logging: 'none' };
  }
}

function isPreload(json: unknown, field: 'prompt' | 'messages'): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const v = (json as Record<string, unknown>)[field];
  return v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}
