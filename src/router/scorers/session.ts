// Session affinity: requests of one session (x-session-id, or the key's user) go back to the replica
// that served the session last. Bounded memory: the oldest sessions are forgotten first.
import type { Candidate, Scorer, SchedulingRequest } from '../scheduler/types.js';

export function sessionScorer(maxSessions = 100_000): Scorer {
  const last = new Map<string, string | number>();
  return {
    name: 'session',
    score(req: SchedulingRequest, all: readonly Candidate[], indices: readonly number[], out: Float64Array): void {
      const owner = req.sessionKey === undefined ? undefined : last.get(req.sessionKey);
      for (const i of indices) out[i] = owner !== undefined && (all[i] as Candidate).key === owner ? 1 : 0;
    },
    picked(req: SchedulingRequest, chosen: Candidate): void {
      if (req.sessionKey === undefined) return;
      last.delete(req.sessionKey);
      last.set(req.sessionKey, chosen.key);
      if (last.size > maxSessions) last.delete(last.keys().next().value as string);
    },
  };
}
