// Scheduler plugins (the llm-d shape): filters narrow the candidates, scorers rate each in [0, 1],
// a picker takes the best weighted sum. The gateway and the simulator use the same plugins.
import type { ReplicaLoad, RouteRequest } from '../policies/policy.js';

/** A replica as the scheduler sees it; gateway-only facts are optional so the simulator can omit them. */
export interface Candidate extends ReplicaLoad {
  /** Stable identity (backend id); the simulator uses the replica's index. */
  readonly key: string | number;
  /** Data-residency zone of the backend. */
  readonly zone?: string;
  /** A hosted API (someone else's hardware, priced per token) rather than our own engine. */
  readonly hosted?: boolean;
  readonly healthy?: boolean;
  /** Moving average of time to first token, ms (undefined until measured). */
  readonly ttftMs?: number | undefined;
  /** Context window of the deployment, tokens. */
  readonly contextWindow?: number | undefined;
}

export interface SchedulingRequest extends RouteRequest {
  /** Tokens the request may generate (for the context-fits filter). */
  readonly maxTokens?: number;
  /** Session affinity key (x-session-id header or the key's user). */
  readonly sessionKey?: string | undefined;
  /** Zones the caller's data policy allows. */
  readonly zones?: readonly string[] | 'any';
}

export interface Filter {
  readonly name: string;
  /** Indices (into `all`) that pass, from the indices given. */
  filter(req: SchedulingRequest, all: readonly Candidate[], indices: number[]): number[];
}

export interface Scorer {
  readonly name: string;
  /** Writes a score in [0, 1] for each index into out[index]. */
  score(req: SchedulingRequest, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void;
  /** Told which candidate was picked (stateful scorers learn from it). */
  picked?(req: SchedulingRequest, chosen: Candidate): void;
}
