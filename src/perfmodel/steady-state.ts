// Closed-form steady state of continuous batching at a fixed concurrency (the planner's view; the simulator
// runs the same model step by step). Each running request spreads its prompt over its decode steps.
import type { ReplicaModel } from './types.js';

export interface SteadyStateInput {
  readonly concurrency: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Prompt tokens served from the prefix cache (not recomputed). */
  readonly cachedPromptTokens?: number;
}

export interface SteadyState {
  /** Requests decoding at once. */
  readonly running: number;
  /** Requests waiting for a slot or KV space. */
  readonly queued: number;
  readonly limitedBy: 'concurrency' | 'max_num_seqs' | 'kv_cache';
  /** Mean inter-token latency of a running request. */
  readonly itlSec: number;
  /** Output tokens per second of one request while it decodes. */
  readonly perUserTokPerSec: number;
  /** Output tokens per second of the whole replica. */
  readonly outputTokPerSec: number;
  /** Mean time to first token, including the wait in the queue. */
  readonly ttftSec: number;
  /** Mean request latency: TTFT + output tokens × ITL. */
  readonly e2eSec: number;
  /** TTFT of a lone request (no load). */
  readonly idleTtftSec: number;
}

export function steadyState(model: ReplicaModel, input: SteadyStateInput): SteadyState {
  const cached = Math.min(input.cachedPromptTokens ?? 0, input.promptTokens);
  const prompt = input.promptTokens - cached;
  const out = Math.max(1, input.outputTokens);
  // Average tokens held by a running request: the whole prompt plus half the output.
  const avgContext = input.promptTokens + out / 2;
  const kvTokens = model.kvBlocks * model.blockSize;
  const kvLimit = Math.max(0, Math.floor(kvTokens / avgContext));
  let running = input.concurrency;
  let limitedBy: SteadyState['limitedBy'] = 'concurrency';
  if (model.maxNumSeqs < running) {
    running = model.maxNumSeqs;
    limitedBy = 'max_num_seqs';
  }
  if (kvLimit < running) {
    running = kvLimit;
    limitedBy = 'kv_cache';
  }
  const idleTtftSec = prefillSeconds(model, prompt, cached, 0, 0);
  if (running <= 0) {
    return { running: 0, queued: input.concurrency, limitedBy, itlSec: Infinity, perUserTokPerSec: 0, outputTokPerSec: 0, ttftSec: Infinity, e2eSec: Infinity, idleTtftSec };
  }
  // One "round": every running request emits `out` tokens and is replaced by a new one whose prompt is prefilled.
  // Prompts arrive one by one, so a step carries one request's chunk (up to the budget left by the decodes) while
  // the others decode; only when prompts outnumber the steps are chunks of several requests packed together.
  const budget = model.maxBatchedTokens;
  const roomPerStep = Math.max(1, budget - running);
  const chunksPerPrompt = Math.max(1, Math.ceil(prompt / roomPerStep));
  const steps = Math.max(out, Math.ceil((running * prompt) / roomPerStep));
  const mixedSteps = prompt > 0 ? Math.min(steps, running * chunksPerPrompt) : 0;
  const decodeWork = { decodeSeqs: running, decodeContextTokens: running * avgContext };
  const mixedSec = mixedSteps > 0
    ? model.stepSeconds({
      prefillTokens: (running * prompt) / mixedSteps,
      prefillContextTokens: (running * cached) / mixedSteps,
      prefillSeqs: Math.max(1, (running * chunksPerPrompt) / mixedSteps),
      ...decodeWork,
    })
    : 0;
  const decodeSec = model.stepSeconds({ prefillTokens: 0, prefillContextTokens: 0, ...decodeWork });
  const roundSec = mixedSteps * mixedSec + (steps - mixedSteps) * decodeSec;
  const itlSec = roundSec / out;
  const outputTokPerSec = (running * out) / roundSec;
  // A new request's prompt goes through in chunks beside the running decodes; queued ones wait for a finishing slot.
  const ownPrefill = prefillSeconds(model, prompt, cached, running, running * avgContext);
  const queued = input.concurrency - running;
  const completionsPerSec = running / roundSec;
  const queueSec = queued > 0 ? queued / completionsPerSec : 0;
  // An arriving prompt also waits, on average, for half of the step in flight.
  const ttftSec = queueSec + (running > 1 ? decodeSec / 2 : 0) + ownPrefill;
  return {
    running, queued, limitedBy, itlSec, perUserTokPerSec: 1 / itlSec, outputTokPerSec, ttftSec,
    e2eSec: ttftSec + out * itlSec, idleTtftSec,
  };
}

/** Seconds to prefill `prompt` new tokens in chunks of the step budget, alongside `decodeSeqs` decoding requests. */
function prefillSeconds(model: ReplicaModel, prompt: number, cached: number, decodeSeqs: number, decodeContextTokens: number): number {
  const chunk = Math.max(1, model.maxBatchedTokens - decodeSeqs);
  let done = 0;
  let total = 0;
  do {
    const n = Math.min(chunk, prompt - done);
    total += model.stepSeconds({ prefillTokens: n, prefillContextTokens: cached + done, decodeSeqs, decodeContextTokens });
    done += n;
  } while (done < prompt);
  return total;
}
