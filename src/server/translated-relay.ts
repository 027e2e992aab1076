// Relays an engine's chat-completion reply to a client of another API family (Responses, Messages):
// each upstream event goes through the family's codec, which writes its own event sequence.
// The OpenAI pass-through relay stays separate and untouched: it never parses what it forwards.
import type { ServerResponse } from 'node:http';
import type { UpstreamReply } from '../backends/backend.js';
import { turnFromCompletion, type ChatTurn } from '../protocol/chat-turn.js';
import { errors } from '../protocol/errors.js';
import { isJsonObject, type JsonObject } from '../protocol/json.js';
import { eventEnd, SseSplitter } from '../protocol/sse.js';
import type { TurnStream } from '../protocol/turn-stream.js';
import { streamAborted, streamFailed, type RelayContext, type RelayResult } from './relay-result.js';
import { readReplyBody } from './reply-body.js';
import { write } from './write.js';

/** One family's encoding of one reply. */
export interface Translation {
  /** Events written as soon as the engine answered, before its first token. */
  start(): string;
  /** Reads the engine's chat chunks and writes the family's item events. */
  readonly turn: TurnStream;
  /** The closing events once the engine finished (may wait for the response to be stored). */
  finish(turn: TurnStream): Promise<string>;
  /** The error event when the engine fails mid-stream. */
  fail(message: string): string;
  /** The whole answer of a non-streamed request. */
  json(turn: ChatTurn): Promise<JsonObject>;
}

/** What the pipeline hands a translated reply to. */
export interface ReplyTranslator {
  relay(res: ServerResponse, reply: UpstreamReply, stream: boolean, ctx: RelayContext): Promise<RelayResult>;
}

export function translator(t: Translation): ReplyTranslator {
  return { relay: (res, reply, stream, ctx) => (stream ? relayTranslatedStream(res, reply, t, ctx) : relayTranslatedJson(res, reply, t, ctx)) };
}

function send(res: ServerResponse, ctx: RelayContext, out: string): Promise<void> | undefined {
  if (!out) return undefined;
  ctx.capture?.push(Buffer.from(out));
  return write(res, out, ctx.signal, ctx.stallMs);
}

export async function relayTranslatedStream(res: ServerResponse, reply: UpstreamReply, t: Translation, ctx: RelayContext): Promise<RelayResult> {
  res.writeHead(200, { ...ctx.headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  const result: RelayResult = { outcome: 'completed', status: 200, events: 0 };
  const splitter = new SseSplitter();
  const turn = t.turn;
  let sawDone = false;
  const translate = (piece: Buffer): string => {
    // As on the pass-through path: an engine's text may echo its own configured secret.
    const whole = ctx.redactor ? ctx.redactor.bytes(piece) : piece;
    let out = '';
    for (let start = 0; start < whole.length; ) {
      const end = eventEnd(whole, start);
      const r = turn.pushAt(whole, start, end);
      if (r === 'done') sawDone = true;
      else out += r;
      start = end;
    }
    return out;
  };
  try {
    const first = send(res, ctx, t.start());
    if (first) await first;
    for await (const raw of reply.body) {
      if (result.ttftMs === undefined) result.ttftMs = performance.now() - ctx.arrivedAt;
      const whole = splitter.push(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
      if (whole) {
        const wait = send(res, ctx, translate(whole));
        if (wait) await wait;
      }
      if (ctx.signal.aborted) break;
    }
    const rest = splitter.rest();
    if (rest && !ctx.signal.aborted) send(res, ctx, translate(Buffer.concat([rest, Buffer.from('\n\n')])));
    if (ctx.signal.aborted) {
      const message = streamAborted(result, ctx, res.destroyed);
      if (message) send(res, ctx, t.fail(message));
    } else if (!sawDone) {
      result.outcome = 'upstream_error';
      result.error = 'upstream ended the stream early';
      send(res, ctx, t.fail('The model server closed the stream before it finished.'));
    } else {
      const closing = turn.end();
      send(res, ctx, closing + (await t.finish(turn)));
    }
  } catch (err) {
    const message = streamFailed(result, err, ctx, res.destroyed);
    if (message) send(res, ctx, t.fail(result.outcome === 'gateway_cut' ? message : `The model server failed mid-stream: ${message}`));
  }
  result.usage = turn.usage;
  result.finishReason = turn.finish;
  result.events = turn.contentEvents;
  res.end();
  return result;
}

export async function relayTranslatedJson(res: ServerResponse, reply: UpstreamReply, t: Translation, ctx: RelayContext): Promise<RelayResult> {
  const result: RelayResult = { outcome: 'completed', status: 200, events: 1 };
  const read = await readReplyBody(reply, ctx);
  if (!read) return { ...result, outcome: 'client_aborted', status: 499 };
  result.ttftMs = read.ttftMs;
  let json: unknown;
  try {
    json = JSON.parse(read.body.toString('utf8'));
  } catch {
    throw errors.badGateway('The model server answered with a body that is not JSON.');
  }
  if (!isJsonObject(json)) throw errors.badGateway('The model server answered with a body that is not a JSON object.');
  const turn = turnFromCompletion(json);
  result.usage = turn.usage;
  result.finishReason = turn.finish;
  const body = JSON.stringify(await t.json(turn));
  ctx.capture?.push(Buffer.from(body));
  res.writeHead(200, { ...ctx.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return result;
}
