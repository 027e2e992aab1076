// An engine's whole (non-streamed) answer, read up to limits.max_response_bytes: past it the reading
// stops (the upstream connection is closed) and the client gets a 502 in its protocol.
import type { UpstreamReply } from '../backends/backend.js';
import { collectAtMost } from '../backends/bounded-body.js';
import { errors } from '../protocol/errors.js';
import { cutByGateway, type RelayContext } from './relay-result.js';

/** Resolves with the body and when its first bytes came; undefined when the client left meanwhile (its relay records 499, as the pipeline does for a client gone before any answer). */
export async function readReplyBody(reply: UpstreamReply, ctx: RelayContext): Promise<{ body: Buffer; ttftMs: number } | undefined> {
  let ttftMs: number | undefined;
  const max = ctx.maxResponseBytes ?? Number.POSITIVE_INFINITY;
  let body: Buffer | null;
  try {
    body = await collectAtMost(reply.body, max, () => (ttftMs = performance.now() - ctx.arrivedAt));
  } catch (err) {
    // The client left (not the gateway cutting it) before any byte was sent: nothing to answer.
    if (ctx.signal.aborted && !cutByGateway(ctx.signal)) return undefined;
    throw err;
  }
  if (body === null) throw errors.badGateway(`The model server's answer is larger than limits.max_response_bytes (${max} bytes); it was cut off.`);
  return { body, ttftMs: ttftMs ?? performance.now() - ctx.arrivedAt };
}
