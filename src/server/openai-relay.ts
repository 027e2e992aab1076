// Relays an engine's OpenAI reply to an OpenAI client: bytes pass through, tapped for usage.
import type { ServerResponse } from 'node:http';
import type { UpstreamReply } from '../backends/backend.js';
import type { CanonicalRequest } from '../protocol/canonical.js';
import { countEvents, events, findFinishReason, findUsage, hasDone, isUsageOnlyEvent, renameInEvents, SseSplitter, tailStart, type RenameHint } from '../protocol/sse.js';
import { streamAborted, streamFailed, type RelayContext, type RelayResult } from './relay-result.js';
import { readReplyBody } from './reply-body.js';
import { write } from './write.js';

const USAGE_KEY = Buffer.from('"usage":');

function midStreamError(message: string, code = 'upstream_stream_error'): Buffer {
  const type = code === 'gateway_shutdown' ? 'overloaded_error' : 'upstream_error';
  return Buffer.from(`data: ${JSON.stringify({ error: { message, type, param: null, code } })}\n\n`);
}

export async function relayOpenAIStream(res: ServerResponse, reply: UpstreamReply, req: CanonicalRequest, ctx: RelayContext): Promise<RelayResult> {
  res.writeHead(200, { ...ctx.headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  const rename = ctx.upstreamModel !== ctx.publicModel;
  const fromModel = Buffer.from(`"model":"${ctx.upstreamModel}"`);
  const toModel = Buffer.from(`"model":"${ctx.publicModel}"`);
  const splitter = new SseSplitter();
  const result: RelayResult = { outcome: 'completed', status: 200, events: 0 };
  let sawDone = false;
  const hint: RenameHint = { offset: -1 };
  /** Taps one piece of whole events: usage (dropping the chunk we asked for), finish_reason, [DONE]. */
  const tap = (piece: Buffer): Buffer => {
    // An engine's error event may echo a configured secret: one search per secret and piece.
    const whole = ctx.redactor ? ctx.redactor.bytes(piece) : piece;
    let out = whole;
    let notContent = 0; // usage-only and [DONE] events in this piece
    // Usage, the finish reason and [DONE] come at the end of a stream: only the last two events are searched.
    const tail = tailStart(whole, 2);
    if (whole.includes(USAGE_KEY, tail) && findUsage(whole.subarray(tail))) {
      const kept: Buffer[] = [whole.subarray(0, tail)];
      for (const ev of events(whole.subarray(tail))) {
        if (isUsageOnlyEvent(ev)) {
          result.usage = findUsage(ev);
          if (req.clientWantsUsage) {
            kept.push(ev);
            notContent++;
          }
        } else {
          const u = findUsage(ev);
          if (u) result.usage = u;
          kept.push(ev);
        }
      }
      out = Buffer.concat(kept);
    }
    const fr = findFinishReason(whole, tail);
    if (fr) result.finishReason = fr;
    const doneHere = hasDone(whole, tail) ? 1 : 0;
    if (doneHere) sawDone = true;
    // Events seen: the estimate of completion tokens when the stream ends without usage.
    if (rename) {
      const r = renameInEvents(out, fromModel, toModel, hint);
      result.events += r.events - notContent - doneHere;
      return r.buf;
    }
    result.events += countEvents(out) - notContent - doneHere;
    return out;
  };
  try {
    for await (const raw of reply.body) {
      if (result.ttftMs === undefined) result.ttftMs = performance.now() - ctx.arrivedAt;
      const whole = splitter.push(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
      if (!whole) continue;
      const out = tap(whole);
      if (out.length > 0) {
        ctx.capture?.push(out);
        const wait = write(res, out, ctx.signal, ctx.stallMs);
        if (wait) await wait;
      }
      if (ctx.signal.aborted) break;
    }
    // An engine may end without the blank line after its last event: it is still tapped.
    const rest = splitter.rest();
    if (rest && !ctx.signal.aborted) {
      const out = tap(Buffer.concat([rest, Buffer.from('\n\n')]));
      ctx.capture?.push(out);
      res.write(out);
    }
    if (ctx.signal.aborted) {
      const message = streamAborted(result, ctx, res.destroyed);
      if (message) res.write(midStreamError(message, 'gateway_shutdown'));
    } else if (!sawDone) {
      result.outcome = 'upstream_error';
      result.error = 'upstream ended the stream early';
      res.write(midStreamError('The model server closed the stream before it finished.'));
    }
  } catch (err) {
    const message = streamFailed(result, err, ctx, res.destroyed);
    if (message) res.write(result.outcome === 'gateway_cut' ? midStreamError(message, 'gateway_shutdown') : midStreamError(`The model server failed mid-stream: ${message}`));
  }
  res.end();
  return result;
}

export async function relayOpenAIJson(res: ServerResponse, reply: UpstreamReply, ctx: RelayContext): Promise<RelayResult> {
  const result: RelayResult = { outcome: 'completed', status: 200, events: 1 };
  const read = await readReplyBody(reply, ctx);
  if (!read) return { ...result, outcome: 'client_aborted', status: 499 };
  result.ttftMs = read.ttftMs;
  let body = read.body;
  result.usage = findUsage(body);
  result.finishReason = findFinishReason(body);
  if (ctx.upstreamModel !== ctx.publicModel) {
    // The top-level field, wherever the engine puts it (quotes inside content are escaped, so no match there).
    const from = Buffer.from(`"model":"${ctx.upstreamModel}"`);
    const at = body.indexOf(from);
    if (at >= 0) body = Buffer.concat([body.subarray(0, at), Buffer.from(`"model":"${ctx.publicModel}"`), body.subarray(at + from.length)]);
  }
  ctx.capture?.push(body);
  res.writeHead(200, { ...ctx.headers, 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
  return result;
}
