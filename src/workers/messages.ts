// What the primary and its workers tell each other over the cluster's IPC channel.
import type { AcquireRequest, LevelSpec, LimitSpec, ReleaseRequest } from '../access/limiter.js';

export type LimiterCall =
  | { readonly t: 'limiter'; readonly id: number; readonly op: 'acquire'; readonly subject: string; readonly spec: LimitSpec; readonly req: AcquireRequest }
  | { readonly t: 'limiter'; readonly id: number; readonly op: 'release'; readonly subject: string; readonly spec: LimitSpec; readonly req: ReleaseRequest }
  | { readonly t: 'limiter'; readonly id: number; readonly op: 'peek'; readonly subject: string; readonly spec: LimitSpec }
  | { readonly t: 'limiter'; readonly id: number; readonly op: 'acquireLevels'; readonly levels: readonly LevelSpec[]; readonly req: AcquireRequest }
  | { readonly t: 'limiter'; readonly id: number; readonly op: 'releaseLevels'; readonly levels: readonly LevelSpec[]; readonly req: ReleaseRequest };

export type LimiterReply = { readonly t: 'limiter'; readonly id: number; readonly ok: true; readonly value: unknown } | { readonly t: 'limiter'; readonly id: number; readonly ok: false; readonly name: string; readonly message: string };

/** The calls a worker made while its previous batch was with the primary, and their replies, in order. */
export type LimiterBatch = { readonly t: 'limiter-batch'; readonly calls: readonly LimiterCall[] } | { readonly t: 'limiter-batch'; readonly replies: readonly LimiterReply[] };

/** A worker asks for the metrics of every worker (`metrics`), the primary asks each for its own (`metrics-dump`). */
export type MetricsMessage =
  | { readonly t: 'metrics'; readonly id: number }
  | { readonly t: 'metrics'; readonly id: number; readonly text: string }
  | { readonly t: 'metrics-dump'; readonly id: number }
  | { readonly t: 'metrics-dump'; readonly id: number; readonly text: string };

/** A key changed through one worker: the others reload at once instead of at their next poll. */
export interface KeysChanged {
  readonly t: 'keys';
}

export type WorkerMessage = LimiterBatch | MetricsMessage | KeysChanged;

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  return typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string';
}
