// An engine's whole (non-streamed) answer, read with a ceiling: an engine that sends without end, or
// far more than any answer, must not take the gateway's memory from everyone else. Past the ceiling
// the reading stops (the upstream connection is closed) and the client gets a 502 in its protocol.
import type { UpstreamReply } from '../backends/backend.js';
import { errors } from '../protocol/errors.js';
import { cutByGateway, type RelayContext } from './relay-result.js';

/** Resolves with the body and when its first bytes came; undefined when the client left meanwhile. */
export async function readReplyBody(reply: UpstreamReply, ctx: RelayContext): Promise<{ body: Buffer; ttftMs: number } | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  let ttftMs: number | undefined;
  const max = ctx.maxResponseBytes ?? Number.POSITIVE_INFINITY;
  try {
    for await (const raw of reply.body) {
      ttftMs ??= performance.now() - ctx.arrivedAt;
      const b = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
      size += b.length;
      if (size > max) {
        throw errors.badGateway(`The model server's answer is larger than limits.max_response_bytes (${max} bytes); it was cut off.`);
      }
      chunks.push(b);
    }
  } catch (err) {
    // The client left (not the gateway cutting it) before any byte was sent: nothing to answer.
    if (ctx.signal.aborted && !cutByGateway(ctx.signal)) return undefined;
    throw err;
  }
  return { body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size), ttftMs: ttftMs ?? performance.now() - ctx.arrivedAt };
}
