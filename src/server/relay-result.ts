// What a relay learned while writing an upstream reply to the client: the basis of usage and metrics.
import type { UsageCounts } from '../protocol/sse.js';
import type { Outcome } from '../usage/record.js';
import type { Redactor } from './secret-redactor.js';

export interface RelayResult {
  outcome: Outcome;
  status: number;
  usage?: UsageCounts | undefined;
  finishReason?: string | undefined;
  /** Milliseconds from arrival to the first body bytes from the engine. */
  ttftMs?: number | undefined;
  /** Content events seen (a completion-token estimate when the engine reports no usage). */
  events: number;
  error?: string | undefined;
}

export interface RelayContext {
  readonly arrivedAt: number;
  readonly publicModel: string;
  readonly upstreamModel: string;
  /** Headers every answer carries (x-request-id, x-relais-backend, rate-limit headers). */
  readonly headers: Record<string, string>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Longest wait for a client that stops reading before it is cut off. */
  readonly stallMs?: number | undefined;
  /** When set, every byte written to the client is also kept here (prompt logging). */
  readonly capture?: Buffer[] | undefined;
  /** Largest non-streamed answer read from the engine (limits.max_response_bytes); past it the client gets 502. */
  readonly maxResponseBytes?: number | undefined;
  /** Masks the serving engine's secrets in its text relayed to the client (errors, error events); undefined: it has none. */
  readonly redactor?: Redactor | undefined;
}

/** The abort reason of a request the gateway itself ends (shutdown grace over), as opposed to the client leaving. */
export class GatewayCut extends Error {
  constructor() {
    super('cut by the gateway: the shutdown grace period ended before the request did');
    this.name = 'GatewayCut';
  }
}

export function cutByGateway(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof GatewayCut;
}

/**
 * A stream stopped because its signal was aborted: records whether the client left or the gateway cut
 * it. Returns the error text to send in the client's protocol when the gateway cut it (the client is
 * still there and must not take a cut stream for a finished one), else undefined.
 */
export function streamAborted(result: RelayResult, ctx: RelayContext, clientGone: boolean): string | undefined {
  if (!cutByGateway(ctx.signal)) {
    result.outcome = 'client_aborted';
    return undefined;
  }
  result.outcome = 'gateway_cut';
  result.error = (ctx.signal.reason as GatewayCut).message;
  return clientGone ? undefined : 'The gateway is shutting down and cut this stream at the end of its grace period; retry the request.';
}

/**
 * Records why a stream stopped early: the client left, the gateway cut it, or the engine failed.
 * Returns the error text to send in the client's protocol, or undefined when there is nobody left to tell.
 */
export function streamFailed(result: RelayResult, err: unknown, ctx: RelayContext, clientGone: boolean): string | undefined {
  if (ctx.signal.aborted) return streamAborted(result, ctx, clientGone);
  result.outcome = 'upstream_error';
  const text = err instanceof Error ? err.message : String(err);
  result.error = ctx.redactor ? ctx.redactor.text(text) : text;
  return clientGone ? undefined : result.error;
}
