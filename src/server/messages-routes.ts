// The Anthropic Messages API: POST /v1/messages through the pipeline (translated to a chat completion)
// and POST /v1/messages/count_tokens (the engine's tokenizer where it has one, else an estimate).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { zoneAllowed } from '../access/principal.js';
import { parseCountTokensRequest, parseMessagesRequest, anthropicErrorType } from '../protocol/anthropic-codec.js';
import { MessagesEvents, messageFromTurn, messageHead } from '../protocol/anthropic-encode.js';
import { estimatePromptTokens } from '../protocol/canonical.js';
import { errors } from '../protocol/errors.js';
import { TurnStream } from '../protocol/turn-stream.js';
import type { Router } from '../router/router.js';
import { parseJson, readBody, sendJson } from './body.js';
import type { Pipeline } from './pipeline.js';
import type { ExtraRoute, RouteContext } from './routes.js';
import { translator } from './translated-relay.js';

export interface MessagesDeps {
  readonly pipeline: Pipeline;
  readonly router: Router;
  readonly resolveModel: (name: string) => string;
  readonly maxBodyBytes: number;
  /** Longest wait for an engine's token count before estimating instead. */
  readonly countTimeoutMs?: number;
}

export function messagesRoutes(deps: MessagesDeps): ExtraRoute[] {
  async function create(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
    const json = parseJson(await readBody(req, deps.maxBodyBytes));
    const { request, stopSequences } = parseMessagesRequest(json, { id: ctx.requestId, arrivedAt: ctx.arrivedAt, sessionId: ctx.sessionId }, deps.resolveModel);
    const head = messageHead(request.model, stopSequences);
    const events = new MessagesEvents(head);
    await deps.pipeline.run(
      res,
      request,
      ctx.principal,
      translator({
        start: () => events.start(estimatePromptTokens(request)),
        turn: new TurnStream(events),
        finish: async (stream) => events.finish(stream.summary()),
        fail: (message) => events.fail(anthropicErrorType(502), message),
        json: async (turn) => messageFromTurn(head, turn),
      }),
    );
  }

  async function countTokens(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
    const parsed = parseCountTokensRequest(parseJson(await readBody(req, deps.maxBodyBytes)), deps.resolveModel);
    const entry = deps.router.get(parsed.model);
    if (!entry) throw errors.unknownModel(parsed.model);
    // The prompt goes to an engine: only one in a zone the key's data policy allows.
    const d = entry.deployments.find((dep) => dep.state.backend.countTokens && zoneAllowed(ctx.principal, dep.state.backend.zone));
    let count: number | undefined;
    if (d?.state.backend.countTokens) {
      const signal = AbortSignal.timeout(deps.countTimeoutMs ?? 5_000);
      count = await d.state.backend.countTokens({ ...parsed.body, model: d.upstreamModel }, signal).catch(() => undefined);
    }
    if (count !== undefined) return sendJson(res, 200, { input_tokens: count }, { 'x-relais-token-count': 'engine' });
    // No tokenizer to ask: about 4 characters per token, and said so.
    sendJson(res, 200, { input_tokens: estimatePromptTokens({ endpoint: 'chat', ...parsed }), estimated: true }, { 'x-relais-token-count': 'estimate' });
  }

  return [
    { method: 'POST', path: '/v1/messages', protocol: 'anthropic', handler: create },
    { method: 'POST', path: '/v1/messages/count_tokens', protocol: 'anthropic', handler: countTokens },
  ];
}
