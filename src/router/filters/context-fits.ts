// Context fits: the prompt plus the tokens asked for must fit the deployment's context window.
// A request that fits nowhere keeps every candidate, so the engine answers with its own precise error.
import type { Candidate, Filter } from '../scheduler/types.js';

export function contextFitsFilter(): Filter {
  return {
    name: 'context',
    filter(req, all: readonly Candidate[], indices: number[]): number[] {
      const need = req.promptTokens + (req.maxTokens ?? 0);
      const fit = indices.filter((i) => {
        const w = (all[i] as Candidate).contextWindow;
        return w === undefined || need <= w;
      });
      return fit.length > 0 ? fit : indices;
    },
  };
}
