// One usage record per admitted request, whatever its outcome — explicit about what is known.
import type { Endpoint } from '../protocol/canonical.js';

/** gateway_cut: the gateway ended the request itself (a stream still running at the end of a shutdown's grace). */
export type Outcome = 'completed' | 'client_aborted' | 'gateway_cut' | 'upstream_error' | 'rejected';

export interface UsageRecord {
  readonly requestId: string;
  /** Epoch milliseconds when the request arrived. */
  readonly time: number;
  readonly keyId?: string | undefined;
  readonly userId?: string | undefined;
  readonly teamId?: string | undefined;
  readonly model: string;
  readonly endpoint: Endpoint;
  /** Backend id that served (or last failed) the request. */
  readonly backend?: string | undefined;
  readonly status: number;
  readonly outcome: Outcome;
  /** Undefined means unknown, never silently 0. */
  readonly promptTokens?: number | undefined;
  readonly completionTokens?: number | undefined;
  readonly cachedTokens?: number | undefined;
  /** True when token counts are estimates (engine did not report usage). */
  readonly tokensEstimated: boolean;
  readonly cost?: number | undefined;
  readonly queueMs: number;
  readonly ttftMs?: number | undefined;
  readonly totalMs: number;
  readonly stream: boolean;
  readonly finishReason?: string | undefined;
  readonly error?: string | undefined;
}

/** A request and its response, kept only for keys whose logging policy is 'full'. */
export interface PromptLogEntry {
  readonly requestId: string;
  readonly time: number;
  readonly keyId?: string | undefined;
  readonly model: string;
  /** The request body as sent by the client (JSON text). */
  readonly request: string;
  /** The response as returned to the client (JSON, SSE or NDJSON text). */
  readonly response: string;
  readonly retentionDays: number;
}

export interface UsageSink {
  /** Must not block or throw: called on the hot path. */
  record(record: UsageRecord): void;
  /** Stores a prompt log entry (sinks without a prompt log table ignore it). */
  recordPrompt?(entry: PromptLogEntry): void;
  /** Writes everything buffered. */
  flush(): Promise<void>;
  close(): Promise<void>;
}
