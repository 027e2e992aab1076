// A routing policy picks one replica for a request from the replicas' current load. The simulator and
// the gateway use the same policies; they only see this interface, never engine internals.

/** What a router knows about one replica when it picks. */
export interface ReplicaLoad {
  /** Requests sent to the replica and not yet finished (known by the router itself). */
  readonly inFlight: number;
  /** Engine-reported queue and batch sizes (vllm:num_requests_waiting / _running). */
  readonly waiting: number;
  readonly running: number;
  /** KV cache usage in [0, 1] (vllm:kv_cache_usage_perc). */
  readonly kvUsage: number;
}

/** What a router knows about the request. */
export interface RouteRequest {
  /** Prompt length in tokens (exact or approximated). */
  readonly promptTokens: number;
  /** Chained hashes of the prompt's leading blocks, for prefix-aware policies. */
  readonly prefixHashes: ArrayLike<number>;
}

export interface RoutingPolicy {
  readonly name: string;
  /** Index of the chosen replica in `replicas` (never empty). */
  pick(request: RouteRequest, replicas: readonly ReplicaLoad[]): number;
}
