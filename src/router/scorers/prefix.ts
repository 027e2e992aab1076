// Prefix-cache affinity: the share of the prompt's leading blocks a replica was already sent.
import { PrefixIndex } from '../prefix-index.js';
import type { Candidate, Scorer, SchedulingRequest } from '../scheduler/types.js';

/** Leading blocks considered (llm-d: 256 blocks of 64 characters); longer prompts score on their head. */
export const MAX_PREFIX_BLOCKS = 256;

export function prefixScorer(capacityPerReplica = 16_384, shared?: PrefixIndex): Scorer & { readonly index: PrefixIndex } {
  const index = shared ?? new PrefixIndex(capacityPerReplica);
  let matched = new Int32Array(64);
  const slotsBuf: number[] = [];
  return {
    name: 'prefix',
    index,
    score(req: SchedulingRequest, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void {
      const total = Math.min(req.prefixHashes.length, MAX_PREFIX_BLOCKS);
      if (total === 0) {
        for (const i of indices) out[i] = 0;
        return;
      }
      slotsBuf.length = 0;
      for (const i of indices) slotsBuf.push(index.slot((all[i] as Candidate).key));
      const maxSlot = Math.max(...slotsBuf);
      if (maxSlot >= matched.length) matched = new Int32Array(Math.max(maxSlot + 1, matched.length * 2));
      index.matchLeading(req.prefixHashes, total, slotsBuf, matched);
      indices.forEach((i, k) => {
        out[i] = (matched[slotsBuf[k] as number] as number) / total;
      });
    },
    picked(req: SchedulingRequest, chosen: Candidate): void {
      index.add(index.slot(chosen.key), req.prefixHashes, Math.min(req.prefixHashes.length, MAX_PREFIX_BLOCKS));
    },
  };
}
