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
  /** Masks the serving engine's secrets in its text relayed to the client (errors, error events); undefined: it has none. */
  readonly redactor?: Redactor | undefined;
}

/**
 * Records why a stream stopped early: the client left, or the engine failed. Returns the error text
 * to send in the client's protocol, or undefined when there is nobody left to tell.
 */
export function streamFailed(result: RelayResult, err: unknown, ctx: RelayContext, clientGone: boolean): string | undefined {
  if (ctx.signal.aborted) {
    result.outcome = 'client_aborted';
    return undefined;
  }
  result.outcome = 'upstream_error';
  const text = err instanceof Error ? err.message : String(err);
  result.error = ctx.redactor ? ctx.redactor.text(text) : text;
  return clientGone ? undefined : result.error;
}
