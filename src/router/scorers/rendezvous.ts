// Rendezvous affinity (highest random weight): every gateway ranks the replicas the same way for a
// prompt's leading blocks, with no shared state. The anchor is the chain hash `depth` blocks in (or the
// last block of a shorter prompt): requests sharing those blocks get the same order, and the queue and
// KV scorers move them down that common order when the first choice is loaded.
import { chainNext, chainSeed } from '../prefix-hash.js';
import type { Candidate, Scorer, SchedulingRequest } from '../scheduler/types.js';

export interface RendezvousOptions {
  /** Leading blocks the anchor covers (64 characters each). */
  readonly depth?: number;
  /** Score of the k-th choice: 'halving' 1, ½, ¼…; 'top' 1 then 0. */
  readonly shape?: 'halving' | 'top';
}

export function rendezvousScorer(o: RendezvousOptions = {}): Scorer {
  const depth = Math.max(1, o.depth ?? 4);
  const top = o.shape === 'top';
  const keyHashes = new Map<string | number, number>();
  const keyHash = (k: string | number): number => {
    let h = keyHashes.get(k);
    if (h === undefined) keyHashes.set(k, (h = chainSeed(String(k))));
    return h;
  };
  let weights = new Float64Array(8);
  return {
    name: 'rendezvous',
    score(req: SchedulingRequest, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void {
      const n = req.prefixHashes.length;
      if (n === 0) {
        for (const i of indices) out[i] = 0;
        return;
      }
      const anchor = req.prefixHashes[Math.min(n, depth) - 1] as number;
      if (weights.length < all.length) weights = new Float64Array(all.length * 2);
      for (const i of indices) weights[i] = chainNext(anchor, keyHash((all[i] as Candidate).key) | 0);
      // Rank by weight (ties impossible in practice: 52-bit hashes); a handful of replicas, so O(n²) is fine.
      for (const i of indices) {
        let rank = 0;
        const w = weights[i] as number;
        for (const j of indices) if ((weights[j] as number) > w) rank++;
        out[i] = top ? (rank === 0 ? 1 : 0) : 1 / (1 << Math.min(rank, 30));
      }
    },
  };
}
