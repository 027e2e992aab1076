// Turns a Workload into timed requests on a clock: Poisson arrivals of conversations or a closed loop
// of users, multi-turn conversations with think times, shared-prefix groups. The same driver feeds
// the virtual-time simulator and HTTP load against simulated replicas, so both see one workload.
import type { Clock } from './clock.js';
import { seededRng, exponential } from '../random/seeded-rng.js';
import type { Workload } from './workload.js';

export interface WorkloadRequest {
  readonly id: number;
  readonly conversation: number;
  readonly turn: number;
  /** Shared-prefix group, or -1. */
  readonly group: number;
  readonly prefixTokens: number;
  /** Tokens of the earlier turns (their prompts and outputs), after the shared prefix. */
  readonly historyTokens: number;
  /** The new user tokens of this turn. */
  readonly newTokens: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Another turn of this conversation follows (its output becomes prompt history). */
  readonly continues: boolean;
}

/** Sends one request; `done` must be called once when it completes (or fails). */
export type SendRequest = (req: WorkloadRequest, done: () => void) => void;

export interface DriverResult {
  /** Requests sent so far. */
  readonly sent: number;
  /** Turns dropped because the conversation outgrew the context. */
  readonly dropped: number;
}

interface Conversation {
  readonly id: number;
  readonly group: number;
  readonly prefixTokens: number;
  readonly prompts: number[];
  readonly outputs: number[];
  readonly thinks: number[];
  turn: number;
  history: number;
}

export function driveWorkload(w: Workload, clock: Clock, send: SendRequest, maxModelLen: number): DriverResult {
  const rngArrival = seededRng(w.seed);
  const rngConv = seededRng(w.seed ^ 0x5bd1e995);
  const state = { sent: 0, dropped: 0 };
  let planned = 0;
  let convs = 0;
  let nextId = 0;
  const start = clock.now();

  const canStart = (): boolean => planned < w.requests && (w.duration === undefined || clock.now() - start < w.duration);

  const newConversation = (): Conversation => {
    const r = rngConv;
    let turns = Math.max(1, Math.round(w.turns.sample(r)));
    if (turns > w.requests - planned) turns = w.requests - planned;
    planned += turns;
    const p = w.prefix;
    const shared = p !== undefined && p.tokens > 0 && r() < p.fraction;
    const group = shared ? Math.floor(r() * p.groups) : -1;
    const conv: Conversation = { id: convs++, group, prefixTokens: shared ? p.tokens : 0, prompts: [], outputs: [], thinks: [], turn: 0, history: 0 };
    for (let k = 0; k < turns; k++) {
      conv.prompts.push(Math.max(1, Math.round(w.prompt.sample(r))));
      conv.outputs.push(Math.max(1, Math.round(w.output.sample(r))));
      conv.thinks.push(Math.max(0, w.think.sample(r)));
    }
    return conv;
  };

  /** Sends the conversation's next turn; calls `after` when the conversation is over. */
  const sendTurn = (conv: Conversation, after: () => void): void => {
    const k = conv.turn;
    const newTokens = conv.prompts[k]!;
    const promptTokens = conv.prefixTokens + conv.history + newTokens;
    let outputTokens = conv.outputs[k]!;
    if (promptTokens + 1 > maxModelLen) {
      state.dropped += conv.prompts.length - k;
      after();
      return;
    }
    if (promptTokens + outputTokens > maxModelLen) outputTokens = maxModelLen - promptTokens;
    const continues = k + 1 < conv.prompts.length;
    const req: WorkloadRequest = {
      id: nextId++,
      conversation: conv.id,
      turn: k,
      group: conv.group,
      prefixTokens: conv.prefixTokens,
      historyTokens: conv.history,
      newTokens,
      promptTokens,
      outputTokens,
      continues,
    };
    state.sent++;
    send(req, () => {
      conv.history += newTokens + outputTokens;
      conv.turn++;
      if (!continues) return after();
      clock.at(clock.now() + conv.thinks[k]!, () => sendTurn(conv, after));
    });
  };

  const noop = (): void => {};
  if (w.rate !== undefined) {
    const mean = 1 / w.rate;
    const arrive = (): void => {
      if (!canStart()) return;
      sendTurn(newConversation(), noop);
      clock.at(clock.now() + exponential(rngArrival, mean), arrive);
    };
    clock.at(start, arrive);
  } else {
    const user = (): void => {
      if (canStart()) sendTurn(newConversation(), user);
    };
    for (let u = 0; u < (w.concurrency ?? 1); u++) clock.at(start, user);
  }
  return state;
}
