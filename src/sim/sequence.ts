// One request inside a simulated engine: token counts, KV blocks and the times that metrics need.

export const SeqState = { Waiting: 0, Running: 1, Finished: 2, Aborted: 3 } as const;
export type SeqState = (typeof SeqState)[keyof typeof SeqState];

export interface SeqListener {
  /** One output token produced at simulated time `time` (seq.output already counts it). */
  onToken(seq: Sequence, time: number): void;
  /** The last token was produced (called right after its onToken). */
  onFinish(seq: Sequence, time: number): void;
}

export class Sequence {
  state: SeqState = SeqState.Waiting;
  /** Tokens the sequence holds: prompt + output so far. */
  numTokens: number;
  /** Tokens whose KV is computed. */
  numComputed = 0;
  output = 0;
  readonly blocks: number[] = [];
  /** Leading blocks already registered in the prefix cache (or known to have no hash). */
  registered = 0;
  arrival = 0;
  firstScheduled = -1;
  firstToken = -1;
  lastToken = -1;
  /** Prompt tokens served from the prefix cache at first admission. */
  cachedTokens = 0;
  preemptions = 0;
  /** Free slot for the driver (HTTP response state, workload bookkeeping). */
  tag: unknown;

  constructor(
    readonly id: number,
    readonly promptTokens: number,
    readonly maxOutput: number,
    /** Chained hashes of full blocks, as far as they are known (prompt, and output when modelled). */
    readonly hashes: ArrayLike<number>,
    readonly listener: SeqListener,
  ) {
    this.numTokens = promptTokens;
  }
}
