// Parameter counts from an architecture description (for models read from config.json or GGUF metadata).
import type { ModelArch } from '../catalog/models.js';

/** The architecture fields the count needs, as the catalog defines them. */
export type ArchShape = Pick<
  ModelArch,
  'layers' | 'hidden' | 'heads' | 'kvHeads' | 'headDim' | 'ffn' | 'vocab' | 'experts' | 'expertsPerToken' | 'tiedEmbeddings'
>;

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
