// Parameter counts from an architecture description (for models read from config.json or GGUF metadata).

export interface ArchShape {
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** FFN width per expert. */
  readonly ffn: number;
  readonly vocab: number;
  readonly experts?: number;
  readonly expertsPerToken?: number;
  readonly tiedEmbeddings: boolean;
}

/** Total and active parameters of a gated-MLP transformer (norms and biases are negligible and left out). */
export function countParams(a: ArchShape): { total: number; active: number } {
  const attention = a.hidden * a.heads * a.headDim * 2 + a.hidden * a.kvHeads * a.headDim * 2;
  const mlpOne = 3 * a.hidden * a.ffn;
  const experts = a.experts ?? 1;
  const used = a.expertsPerToken ?? 1;
  const router = experts > 1 ? a.hidden * experts : 0;
  const embeddings = a.vocab * a.hidden * (a.tiedEmbeddings ? 1 : 2);
  return {
    total: embeddings + a.layers * (attention + router + mlpOne * experts),
    active: embeddings + a.layers * (attention + router + mlpOne * Math.min(used, experts)),
  };
}
