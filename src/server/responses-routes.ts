// The OpenAI Responses API: POST /v1/responses through the pipeline (translated to a chat completion),
// and the stored responses of each key: GET and DELETE /v1/responses/{id}, GET …/{id}/input_items.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { principalId, type Principal } from '../access/principal.js';
import type { ChatTurn } from '../protocol/chat-turn.js';
import { errors, GatewayError } from '../protocol/errors.js';
import type { JsonObject } from '../protocol/json.js';
import { parseResponsesRequest, responsesCanonical, type PreviousTurn, type ResponsesRequest } from '../protocol/responses-codec.js';
import { ResponsesEvents, responseFromTurn, responseHead, type ResponseHead } from '../protocol/responses-encode.js';
import { TurnStream } from '../protocol/turn-stream.js';
import type { ResponseStore } from '../store/types.js';
import type { Logger } from '../telemetry/log.js';
import { parseJson, readBody, sendJson } from './body.js';
import type { Pipeline } from './pipeline.js';
import type { ExtraRoute, RouteContext } from './routes.js';
import { translator } from './translated-relay.js';

const DAY_MS = 86_400_000;

export interface ResponsesDeps {
  readonly pipeline: Pipeline;
  readonly resolveModel: (name: string) => string;
  readonly store: ResponseStore;
  readonly log: Logger;
  readonly maxBodyBytes: number;
  /** config.responses.store: false keeps nothing whatever requests ask. */
  readonly storeEnabled: boolean;
  /** Days to keep a response: config.responses.retention_days, else the key's log retention. */
  readonly retentionDays: number | undefined;
  readonly defaultRetentionDays: number;
}

/** Stored responses belong to the key that made them. */
export function ownerOf(p: Principal): string {
  return principalId(p);
}

/** The assistant turn as chat messages, to continue the conversation from. */
function assistantMessages(turn: ChatTurn): JsonObject[] {
  if (turn.toolCalls.length === 0) return [{ role: 'assistant', content: turn.text }];
  return [{ role: 'assistant', content: turn.text || null, tool_calls: turn.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }];
}

function withIds(items: readonly JsonObject[], head: ResponseHead): JsonObject[] {
  return items.map((item, i) => (typeof item.id === 'string' ? item : { id: `in_${head.itemSuffix}${i.toString(16).padStart(2, '0')}`, ...item }));
}

/** Ids this gateway hands out; anything else is not looked up (nor sent to the database). */
const ID_SHAPE = /^[A-Za-z0-9_-]{1,200}$/;

function responseId(raw: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw errors.invalidParam('response_id', 'The response id in the path is not valid percent-encoding.');
  }
  return ID_SHAPE.test(id) ? id : notFound(id.slice(0, 200));
}

function notFound(id: string): never {
  throw new GatewayError({ status: 404, type: 'not_found_error', code: 'not_found', param: 'response_id', message: `No response found with id '${id}'.` });
}

export function responsesRoutes(deps: ResponsesDeps): ExtraRoute[] {
  const { store, log } = deps;

  async function create(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
    const json = parseJson(await readBody(req, deps.maxBodyBytes));
    // Kept unless the config, the key or the request says not to.
    const r: ResponsesRequest = parseResponsesRequest(json, deps.storeEnabled && ctx.principal.storeResponses !== false);
    const body = json as JsonObject;
    const owner = ownerOf(ctx.principal);
    let previous: PreviousTurn | undefined;
    if (r.previousId !== undefined) {
      const row = ID_SHAPE.test(r.previousId) ? await store.getResponse(r.previousId, owner, Date.now()) : undefined;
      if (!row) throw errors.invalidParam('previous_response_id', `Previous response with id '${r.previousId}' not found.`);
      previous = { context: JSON.parse(row.context) as JsonObject[] };
    }
    const model = deps.resolveModel(r.model);
    const canonical = responsesCanonical(r, body, previous, { id: ctx.requestId, arrivedAt: ctx.arrivedAt, sessionId: ctx.sessionId }, model);
    const head = responseHead(body, model, r.store, r.includeEncrypted);
    const save = async (responseJson: string, turn: ChatTurn): Promise<void> => {
      const now = Date.now();
      const days = deps.retentionDays ?? ctx.principal.logRetentionDays ?? deps.defaultRetentionDays;
      try {
        await store.putResponse({
          id: head.id,
          owner,
          model,
          createdAt: now,
          expiresAt: now + days * DAY_MS,
          response: responseJson,
          inputItems: JSON.stringify(withIds(r.inputItems, head)),
          context: JSON.stringify([...(previous?.context ?? []), ...r.messages, ...assistantMessages(turn)]),
        });
      } catch (err) {
        // The client still gets its answer; only continuing from it will fail.
        log.error('storing a response failed', { requestId: ctx.requestId, responseId: head.id, error: err instanceof Error ? err.message : String(err) });
      }
    };
    const events = new ResponsesEvents(head);
    await deps.pipeline.run(
      res,
      canonical,
      ctx.principal,
      translator({
        start: () => events.start(),
        turn: new TurnStream(events),
        finish: async (stream) => {
          const f = events.finish(stream.summary());
          if (r.store) await save(f.responseJson, stream.turn());
          return f.text;
        },
        fail: (message) => events.fail(message),
        json: async (turn) => {
          const response = responseFromTurn(head, turn);
          if (r.store) await save(JSON.stringify(response), turn);
          return response;
        },
      }),
    );
  }

  async function stored(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): Promise<void> {
    const rest = ctx.path.slice('/v1/responses/'.length);
    const slash = rest.indexOf('/');
    const id = responseId(slash < 0 ? rest : rest.slice(0, slash));
    const sub = slash < 0 ? '' : rest.slice(slash + 1);
    const method = req.method ?? 'GET';
    const owner = ownerOf(ctx.principal);
    if (sub === '' && method === 'GET') {
      const row = (await store.getResponse(id, owner, Date.now())) ?? notFound(id);
      return sendJson(res, 200, JSON.parse(row.response));
    }
    if (sub === '' && method === 'DELETE') {
      if (!(await store.deleteResponse(id, owner))) notFound(id);
      return sendJson(res, 200, { id, object: 'response.deleted', deleted: true });
    }
    if (sub === 'input_items' && method === 'GET') {
      const row = (await store.getResponse(id, owner, Date.now())) ?? notFound(id);
      return sendJson(res, 200, inputItemsPage(JSON.parse(row.inputItems) as JsonObject[], ctx.query));
    }
    throw errors.methodNotAllowed(method, ctx.path);
  }

  return [
    { method: 'POST', path: '/v1/responses', handler: create },
    { method: '*', path: '/v1/responses/', handler: stored },
  ];
}

/** A page of input items as OpenAI lists them (newest first unless order=asc). */
function inputItemsPage(items: JsonObject[], query: URLSearchParams): JsonObject {
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw errors.invalidParam('order', "Invalid value for 'order': expected asc or desc.");
  const limitText = query.get('limit');
  const limit = limitText === null ? 20 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw errors.invalidParam('limit', "Invalid value for 'limit': expected an integer from 1 to 100.");
  let list = order === 'asc' ? items : [...items].reverse();
  const after = query.get('after');
  if (after !== null) {
    const at = list.findIndex((i) => i.id === after);
    list = at < 0 ? [] : list.slice(at + 1);
  }
  const data = list.slice(0, limit);
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null, has_more: list.length > limit };
}
