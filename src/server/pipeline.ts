// The request pipeline after decoding: admit → route → call a backend (retry, fall back) → relay → settle.
// Every admitted request ends in exactly one usage record.
import type { ServerResponse } from 'node:http';
import type { Access, Ticket } from '../access/access.js';
import { principalId, type Principal } from '../access/principal.js';
import { BackendError, type UpstreamReply } from '../backends/backend.js';
import type { Config } from '../config/schema.js';
import { estimatePromptTokens, type CanonicalRequest } from '../protocol/canonical.js';
import { errors, GatewayError } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/json.js';
import type { OllamaShape } from '../protocol/ollama-codec.js';
import type { Deployment } from '../router/backend-state.js';
import type { ModelEntry } from '../router/model-table.js';
import type { RouteStep, Router } from '../router/router.js';
import { noteOutcome } from '../telemetry/access-log.js';
import type { Logger } from '../telemetry/log.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { operationName, outcomeAttributes, requestAttributes } from '../telemetry/tracing/genai.js';
import { SpanKind, type Span } from '../telemetry/tracing/span.js';
import type { RequestTrace, Tracer } from '../telemetry/tracing/tracer.js';
import { costOf } from '../usage/cost.js';
import { reportedTokens } from '../usage/reported-tokens.js';
import type { Outcome, UsageSink } from '../usage/record.js';
import { relayOllamaJson, relayOllamaStream } from './ollama-relay.js';
import { relayOpenAIJson, relayOpenAIStream } from './openai-relay.js';
import type { ReplyTranslator } from './translated-relay.js';
import { cutByGateway, GatewayCut, type RelayContext, type RelayResult } from './relay-result.js';
import { nextRequestId } from './request-id.js';
import { asGatewayError, respondError } from './respond-error.js';
import { backendSecrets, secretRedactor, type Redactor } from './secret-redactor.js';

export interface PipelineDeps {
  readonly log?: Logger;
  readonly config: Config;
  readonly router: Router;
  readonly access: Access;
  readonly usage: UsageSink;
  readonly metrics: GatewayMetrics;
  /** OpenTelemetry traces; undefined when tracing is off. */
  readonly tracer?: Tracer | undefined;
}

/**
 * The body for one deployment. `bound` is the max_tokens the admission reserved for a request that
 * gave none: sent along so the engine cannot generate past the reservation (hosted chat APIs take
 * max_completion_tokens, which their newer models require).
 */
function upstreamBody(req: CanonicalRequest, d: Deployment, bound: number | undefined): JsonObject {
  const body: JsonObject = { ...req.body, model: d.upstreamModel };
  if (bound !== undefined) body[req.endpoint === 'chat' && d.state.backend.kind === 'openai' ? 'max_completion_tokens' : 'max_tokens'] = bound;
  if (!req.stream) return body;
  const so = req.body.stream_options;
  body.stream_options = so && typeof so === 'object' && !Array.isArray(so) ? { ...so, include_usage: true } : { include_usage: true };
  return body;
}

/** Chat and completions generate tokens; embeddings, rerank and score do not (no time to first token). */
function generates(req: CanonicalRequest): boolean {
  return req.endpoint === 'chat' || req.endpoint === 'completions';
}

function servesEndpoint(d: Deployment, req: CanonicalRequest): boolean {
  return d.state.backend.serves?.(req.endpoint) ?? true;
}

/** The engine's own error message from its body (OpenAI or plain shapes), if any. */
function engineMessage(body: string | undefined): { message?: string; code: string | null; param: string | null } {
  const none = { code: null, param: null };
  if (!body) return none;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown; code?: unknown; param?: unknown } | string; message?: unknown };
    const e = parsed.error;
    if (typeof e === 'string') return { ...none, message: e };
    if (e && typeof e.message === 'string') return { message: e.message, code: typeof e.code === 'string' ? e.code : null, param: typeof e.param === 'string' ? e.param : null };
    if (typeof parsed.message === 'string') return { ...none, message: parsed.message };
  } catch {
    return { ...none, message: body.slice(0, 500) };
  }
  return none;
}

/** The client-visible error after every deployment failed, with configured secrets masked. */
function finalError(err: BackendError | undefined, model: string, redactor: Redactor | undefined): GatewayError {
  const ge = engineError(err, model);
  const message = redactor ? redactor.text(ge.message) : ge.message;
  return message === ge.message ? ge : new GatewayError({ status: ge.status, type: ge.type, message, code: ge.code, param: ge.param, headers: ge.headers });
}

function engineError(err: BackendError | undefined, model: string): GatewayError {
  if (!err) return errors.unavailable(`No deployment of '${model}' could take the request.`, 5);
  if (err.failure === 'timeout') return errors.timeout(`The model server for '${model}' timed out: ${err.message}.`);
  if (err.failure === 'status' && err.status !== undefined) {
    // Engine refusals keep their status and message (bad parameter, context too long, queue full,
    // not enough memory); an engine's internal error is a bad gateway for the client.
    if (err.status === 401 || err.status === 403) {
      // The gateway's credentials for the engine were refused: not the client's fault, nor its key.
      return errors.badGateway(`The model server for '${model}' refused the gateway's credentials (${err.status}); check the backend's api_key.`);
    }
    const { message, code, param } = engineMessage(err.body);
    const status = err.status === 500 ? 502 : err.status;
    const type = status === 429 ? 'rate_limit_error' : status === 404 ? 'not_found_error' : status < 500 ? 'invalid_request_error' : status === 503 ? 'overloaded_error' : 'upstream_error';
    const text = status < 500 && message ? message : `The model server for '${model}' answered ${err.status}${message ? `: ${message}` : '.'}`;
    return new GatewayError({ status, type, message: text, code, param, headers: { ...err.headers } });
  }
  return errors.badGateway(`The model server for '${model}' failed: ${err.message}.`);
}

export class Pipeline {
  /** Every configured secret, for error text; each backend's own, for the bytes it streams (it can echo only what it was sent). */
  private redactor: Redactor | undefined;
  private readonly streamRedactors = new Map<string, Redactor | undefined>();
  /** Requests in flight: a shutdown whose grace is over cuts them (cutAll). */
  private readonly running = new Set<AbortController>();

  constructor(private deps: PipelineDeps) {
    this.redact(deps.config);
  }

  /** The shutdown grace is over: every request still running ends now, its client told and its record saying so. */
  cutAll(): void {
    for (const c of this.running) c.abort(new GatewayCut());
  }

  /** A configuration reload: timeouts, default reservations and the secrets to mask from the new file. */
  reconfigure(config: Config): void {
    this.deps = { ...this.deps, config };
    this.redact(config);
  }

  private redact(config: Config): void {
    const backends = Object.entries(config.backends);
    this.redactor = secretRedactor([config.master_key, ...backends.flatMap(([, b]) => backendSecrets(b))]);
    this.streamRedactors.clear();
    for (const [id, b] of backends) this.streamRedactors.set(id, secretRedactor(backendSecrets(b)));
  }

  /** `reply` translates the engine's answer for Ollama, Responses and Messages clients; OpenAI clients get it as is. */
  async run(res: ServerResponse, req: CanonicalRequest, principal: Principal, reply?: OllamaShape | ReplyTranslator): Promise<void> {
    const entry = this.deps.router.get(req.model);
    if (!entry) throw errors.unknownModel(req.model);
    if (!entry.deployments.some((d) => servesEndpoint(d, req))) throw errors.notServed(req.model, req.endpoint);
    // Aborted when the client leaves, or by cutAll at the end of a shutdown's grace.
    const controller = new AbortController();
    this.running.add(controller);
    try {
      await this.admitted(res, req, principal, entry, controller, reply);
    } finally {
      this.running.delete(controller);
    }
  }

  private async admitted(res: ServerResponse, req: CanonicalRequest, principal: Principal, entry: ModelEntry, controller: AbortController, reply?: OllamaShape | ReplyTranslator): Promise<void> {
    const ollama = reply && 'route' in reply ? reply : undefined;
    const { router, access, metrics, config } = this.deps;
    // The client's traceparent: continued in our spans, or passed to the engine as is when not tracing.
    const traceparent = res.req?.headers.traceparent;
    const trace = this.deps.tracer?.start(traceparent, `${operationName(req.endpoint)} ${req.model}`, req.arrivedAt);
    if (trace) requestAttributes(trace.root, req);
    const promptEstimate = estimatePromptTokens(req);
    const maxTokens = req.maxTokens ?? config.limits.default_max_tokens;
    // Every sequence (n, best_of) may reach max_tokens: all of them are reserved.
    const completionBound = maxTokens * (req.choices ?? 1);
    // The client leaving aborts admission, the queue wait or the upstream call at once. Registered
    // before admission (which may wait on Redis) and checked once, for a client already gone.
    const onClose = (): void => {
      if (!res.writableFinished) controller.abort();
    };
    res.on('close', onClose);
    // A pipelined request's response has no socket until the ones before it are answered: the
    // request's own socket tells whether the client is still there.
    const socket = res.req?.socket ?? res.socket;
    if (res.destroyed || !socket || socket.destroyed) controller.abort();
    let ticket: Ticket;
    const admission = trace?.child('admission');
    try {
      // The limiter keys leases by request: always our own id, never the client's x-request-id.
      ticket = await access.admit(principal, { requestId: nextRequestId(), model: req.model, endpoint: req.endpoint, promptTokens: promptEstimate, maxTokens: completionBound });
      admission?.end();
    } catch (err) {
      res.off('close', onClose);
      const ge = asGatewayError(err);
      admission?.set('http.response.status_code', ge.status).end();
      this.record(res, req, principal, undefined, ge.status, 'rejected', { outcome: 'rejected', status: ge.status, events: 0, error: ge.message }, 0, undefined, trace);
      // As it is: the server logs an unexpected error (a store failing) with its stack and request id.
      throw err;
    }

    let served: RouteStep | undefined;
    let upstream: Span | undefined;
    let result: RelayResult;
    let queueMs = 0;
    const capture = principal.logging === 'full' && this.deps.usage.recordPrompt ? ([] as Buffer[]) : undefined;
    try {
      if (controller.signal.aborted) throw errors.badGateway('client went away');
      // Wait only while every usable replica this key may use is saturated; with none usable at all,
      // routing answers at once (fallbacks included).
      const canStart = (): boolean => router.capacity(entry, principal) !== 'full';
      const waited = entry.queue.acquire(principalId(principal), principal.priority, controller.signal, canStart);
      if (typeof waited !== 'number') {
        const queued = trace?.child('queue');
        queueMs = await waited;
        queued?.end();
      }
      const bound = ticket.reserved && req.maxTokens === undefined && req.endpoint !== 'embeddings' ? maxTokens : undefined;
      const routing = trace?.child('route');
      const steps = router.plan(req, principal);
      routing?.set('relais.route', steps.map((s) => s.deployment.state.id)).end();
      const attempt = await this.attempt(req, steps, controller.signal, bound, trace, traceparent);
      upstream = attempt.span;
      served = attempt.step;
      router.commit(served);
      const ctx: RelayContext = {
        arrivedAt: req.arrivedAt,
        publicModel: ollama ? ollama.clientModel : req.model,
        upstreamModel: served.deployment.upstreamModel,
        signal: controller.signal,
        stallMs: Math.min(config.timeouts.first_byte_ms, config.timeouts.total_ms),
        maxResponseBytes: config.limits.max_response_bytes,
        capture,
        redactor: this.streamRedactors.get(served.deployment.state.id),
        headers: {
          ...ticket.headers,
          'x-relais-backend': served.deployment.state.id,
          'x-relais-overhead-ms': (attempt.overheadMs - queueMs).toFixed(3),
          ...(queueMs > 0 ? { 'x-relais-queue-ms': queueMs.toFixed(1) } : {}),
        },
      };
      result = reply && 'relay' in reply ? await reply.relay(res, attempt.reply, req.stream, ctx) : await this.relay(res, attempt.reply, req, ctx, ollama);
      upstream?.set('relais.outcome', result.outcome).end();
      if (result.ttftMs !== undefined && result.outcome === 'completed' && generates(req)) served.deployment.state.observeTtft(result.ttftMs - queueMs);
      this.finishAttempt(served, result.outcome === 'upstream_error');
    } catch (err) {
      if (served) this.finishAttempt(served, false);
      const aborted = controller.signal.aborted;
      // Cut by the gateway (shutdown grace over) before the answer began: the client is told 503.
      const cut = cutByGateway(controller.signal);
      const ge = cut ? errors.shuttingDown() : aborted ? errors.badGateway('client went away') : err instanceof BackendError ? finalError(err, req.model, this.redactor) : asGatewayError(err);
      if (!aborted || cut) respondError(res, ge, req.protocol, ticket.headers);
      if (cut) {
        result = { outcome: 'gateway_cut', status: 503, events: 0, error: (controller.signal.reason as GatewayCut).message };
      } else {
        result = { outcome: aborted ? 'client_aborted' : ge.status < 500 ? 'rejected' : 'upstream_error', status: aborted ? 499 : ge.status, events: 0, error: ge.message };
        if (ge.status >= 500) {
          metrics.errors.inc([req.model, served?.deployment.state.id ?? '', String(ge.status)]);
          // Every 5xx has its line with the request id: a gateway bug (500) at error, an engine's failure at warn.
          const fields = { requestId: req.id, model: req.model, backend: served?.deployment.state.id, status: ge.status, error: err instanceof Error ? err.message : String(err) };
          if (ge.status === 500) this.deps.log?.error('request failed', { ...fields, ...(err instanceof GatewayError ? {} : { stack: err instanceof Error ? err.stack : undefined }) });
          else this.deps.log?.warn('request failed', fields);
        }
      }
    } finally {
      res.off('close', onClose);
    }
    entry.queue.dispatch();
    if (served && served.entry !== entry) served.entry.queue.dispatch();
    upstream?.end();
    this.settle(res, req, principal, ticket, served?.deployment, result, promptEstimate, queueMs, trace);
    if (capture) {
      this.deps.usage.recordPrompt?.({
        requestId: req.id,
        time: Date.now(),
        keyId: principal.keyId,
        model: req.model,
        request: JSON.stringify(req.body),
        response: Buffer.concat(capture).toString('utf8'),
        retentionDays: principal.logRetentionDays ?? 30,
      });
    }
  }

  /** Tries the route in order; connect errors, timeouts and 5xx before the first byte move on. */
  private async attempt(
    req: CanonicalRequest,
    steps: RouteStep[],
    signal: AbortSignal,
    bound: number | undefined,
    trace: RequestTrace | undefined,
    traceparent: string | string[] | undefined,
  ): Promise<{ step: RouteStep; reply: UpstreamReply; overheadMs: number; span: Span | undefined }> {
    let last: BackendError | undefined;
    for (const step of steps) {
      const d = step.deployment;
      const now = performance.now();
      if (!servesEndpoint(d, req) || !d.state.breaker.allow(now)) continue;
      d.state.inFlight++;
      this.deps.metrics.inFlight.add([d.state.id], 1);
      const span = trace?.child(`upstream ${d.state.id}`, SpanKind.client);
      span?.set('relais.backend', d.state.id).set('gen_ai.provider.name', d.state.backend.kind).set('gen_ai.request.model', d.upstreamModel);
      const callAt = performance.now();
      try {
        const reply = await d.state.backend.call(
          {
            requestId: req.id,
            endpoint: req.endpoint,
            body: upstreamBody(req, d, bound),
            stream: req.stream,
            keepAliveMs: req.keepAliveMs,
            traceparent: span && trace ? trace.traceparent(span) : typeof traceparent === 'string' ? traceparent : undefined,
          },
          signal,
        );
        span?.set('http.response.status_code', reply.status);
        return { step, reply, overheadMs: callAt - req.arrivedAt, span };
      } catch (err) {
        d.state.inFlight--;
        this.deps.metrics.inFlight.add([d.state.id], -1);
        const be = err instanceof BackendError ? err : new BackendError('protocol', err instanceof Error ? err.message : String(err));
        span?.set('http.response.status_code', be.status).fail(be.message, be.failure).end();
        if (be.failure === 'aborted' || signal.aborted) {
          d.state.breaker.release();
          throw be;
        }
        // The engine's 4xx about the request is an answer: it is alive, and the client gets it as is.
        if (be.backendFault) d.state.breaker.failure(performance.now());
        else if (be.failure === 'status') d.state.breaker.success();
        else d.state.breaker.release();
        last = be;
        if (!be.retryable) break;
        this.deps.metrics.retries.inc([req.model, d.state.id]);
      }
    }
    throw finalError(last, req.model, this.redactor);
  }

  private finishAttempt(step: RouteStep, failed: boolean): void {
    const d = step.deployment;
    d.state.inFlight--;
    this.deps.metrics.inFlight.add([d.state.id], -1);
    if (failed) d.state.breaker.failure(performance.now());
    else d.state.breaker.success();
  }

  private relay(res: ServerResponse, reply: UpstreamReply, req: CanonicalRequest, ctx: RelayContext, ollama?: OllamaShape): Promise<RelayResult> {
    if (ollama) return req.stream ? relayOllamaStream(res, reply, ollama, ctx) : relayOllamaJson(res, reply, ollama, ctx);
    return req.stream ? relayOpenAIStream(res, reply, req, ctx) : relayOpenAIJson(res, reply, ctx);
  }

  private settle(
    res: ServerResponse,
    req: CanonicalRequest,
    principal: Principal,
    ticket: Ticket,
    served: Deployment | undefined,
    result: RelayResult,
    promptEstimate: number,
    queueMs: number,
    trace: RequestTrace | undefined,
  ): void {
    const usage = result.usage;
    // Rerank and score answers report only total_tokens: all of it is input.
    const reportedPrompt = reportedTokens(usage?.prompt_tokens) ?? (req.maxTokens === 0 ? reportedTokens(usage?.total_tokens) : undefined);
    const reported = reportedPrompt !== undefined;
    const promptTokens = reportedPrompt ?? (served ? promptEstimate : 0);
    // Embeddings, rerank and score generate nothing (their codecs set maxTokens to 0).
    const completionTokens = reportedTokens(usage?.completion_tokens) ?? (req.maxTokens === 0 ? 0 : result.events);
    const cachedTokens = reportedTokens(usage?.prompt_tokens_details?.cached_tokens) ?? 0;
    // The price is that of the model that actually served (a fallback has its own).
    const price = served ? this.deps.router.get(served.model)?.price : undefined;
    const cost = served ? costOf(price, promptTokens, completionTokens, cachedTokens) : 0;
    ticket.settle({ promptTokens, completionTokens, cachedTokens, cost });
    this.record(res, req, principal, served, result.status, result.outcome, result, queueMs, {
      promptTokens: served ? promptTokens : undefined,
      completionTokens: served ? completionTokens : undefined,
      cachedTokens: served && usage ? cachedTokens : undefined,
      estimated: !reported,
      cost,
    }, trace);
  }

  private record(
    res: ServerResponse,
    req: CanonicalRequest,
    principal: Principal,
    served: Deployment | undefined,
    status: number,
    outcome: Outcome,
    result: RelayResult,
    queueMs: number,
    tokens?: { promptTokens?: number | undefined; completionTokens?: number | undefined; cachedTokens?: number | undefined; estimated: boolean; cost: number },
    trace?: RequestTrace,
  ): void {
    const { metrics } = this.deps;
    const totalMs = performance.now() - req.arrivedAt;
    const backend = served?.state.id ?? '';
    const model = served?.model ?? req.model;
    // A stream the client left is counted as such (499), not as the 200 its headers said.
    metrics.requests.inc([model, backend, req.endpoint, outcome === 'client_aborted' ? '499' : String(status), outcome]);
    noteOutcome(res.req, model, served?.state.id, outcome, tokens?.promptTokens, tokens?.completionTokens);
    if (served) {
      metrics.latency.observe([model, backend], totalMs / 1000);
      // Embeddings, rerank and score generate no token: they have no time to first token.
      if (result.ttftMs !== undefined && generates(req)) metrics.ttft.observe([model, backend], result.ttftMs / 1000);
      if (tokens?.promptTokens) metrics.tokens.inc([model, backend, 'prompt'], tokens.promptTokens);
      if (tokens?.completionTokens) metrics.tokens.inc([model, backend, 'completion'], tokens.completionTokens);
    }
    this.deps.usage.record({
      requestId: req.id,
      time: Date.now() - totalMs,
      keyId: principal.keyId,
      userId: principal.userId,
      teamId: principal.teamId,
      model,
      endpoint: req.endpoint,
      backend: served?.state.id,
      status,
      outcome,
      promptTokens: tokens?.promptTokens,
      completionTokens: tokens?.completionTokens,
      cachedTokens: tokens?.cachedTokens,
      tokensEstimated: tokens?.estimated ?? false,
      cost: tokens?.cost,
      queueMs,
      ttftMs: result.ttftMs,
      totalMs,
      stream: req.stream,
      finishReason: result.finishReason,
      error: result.error,
    });
    if (trace) {
      outcomeAttributes(trace.root, {
        status,
        outcome,
        backend: served?.state.id,
        responseModel: served?.upstreamModel,
        inputTokens: tokens?.promptTokens,
        outputTokens: tokens?.completionTokens,
        cachedTokens: tokens?.cachedTokens,
        finishReason: result.finishReason,
        queueMs,
        ttftMs: result.ttftMs,
        keyId: principal.keyId,
        error: result.error,
      });
      trace.finish();
    }
  }
}
