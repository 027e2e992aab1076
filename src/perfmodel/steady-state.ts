// Closed-form steady state of continuous batching at a fixed concurrency (the planner's view; the simulator
// runs the same step model event by event). Each running request spreads its prompt over its decode steps.
import type { ReplicaModel, StepWork } from './types.js';

export interface SteadyStateInput {
  readonly concurrency: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Prompt tokens served from the prefix cache (not recomputed). */
  readonly cachedPromptTokens?: number;
}

/** Where the time of one output token goes at this load (for `--explain`). */
export interface SteadyStateParts {
  /** A step that only decodes the running requests. */
  readonly decodeStepSec: number;
  /** Extra seconds per output token spent on other requests' prompts (chunks beside decodes, or steps of their own). */
  readonly prefillPerTokenSec: number;
  /** Requests preempted (and recomputed) per round of `running` completions, when the KV cache is the limit. */
  readonly preemptionsPerRound: number;
  /** Prompt tokens recomputed per round because of those preemptions. */
  readonly recomputeTokensPerRound: number;
  readonly chunkedPrefill: boolean;
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
  readonly parts: SteadyStateParts;
}

export function steadyState(model: ReplicaModel, input: SteadyStateInput): SteadyState {
  const cached = Math.min(input.cachedPromptTokens ?? 0, input.promptTokens);
  const prompt = input.promptTokens - cached;
  const out = Math.max(1, input.outputTokens);
  const chunked = model.chunkedPrefill ?? true;
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
  const idleTtftSec = prefillSeconds(model, prompt, cached, 0, 0, chunked);
  if (running <= 0) {
    const parts = { decodeStepSec: Infinity, prefillPerTokenSec: 0, preemptionsPerRound: 0, recomputeTokensPerRound: 0, chunkedPrefill: chunked };
    return { running: 0, queued: input.concurrency, limitedBy, itlSec: Infinity, perUserTokPerSec: 0, outputTokPerSec: 0, ttftSec: Infinity, e2eSec: Infinity, idleTtftSec, parts };
  }
  // KV-limited: the engine admits on current usage, so requests outgrow the cache and the newest are preempted and
  // recomputed. Holding avgContext each on average, the cache overflows by running × out/2 tokens over a round:
  // that many preemptions' worth of context (avgContext each) is prefilled again.
  const preemptionsPerRound = limitedBy === 'kv_cache' ? (running * out) / 2 / avgContext : 0;
  const recomputeTokensPerRound = preemptionsPerRound * avgContext;
  const prefillPerRequest = prompt + recomputeTokensPerRound / running;
  const decodeWork: StepWork = { prefillTokens: 0, prefillContextTokens: 0, decodeSeqs: running, decodeContextTokens: running * avgContext };
  const decodeStepSec = model.stepSeconds(decodeWork);
  // One "round": every running request emits `out` tokens and is replaced by a new one whose prompt is prefilled.
  let roundSec: number;
  if (chunked) {
    // Prompts arrive one by one, so a step carries one request's chunk (up to the budget left by the decodes) while
    // the others decode; only when prompts outnumber the steps are chunks of several requests packed together.
    const roomPerStep = Math.max(1, model.maxBatchedTokens - running);
    const chunksPerPrompt = Math.max(1, Math.ceil(prefillPerRequest / roomPerStep));
    const steps = Math.max(out, Math.ceil((running * prefillPerRequest) / roomPerStep));
    const mixedSteps = prefillPerRequest > 0 ? Math.min(steps, running * chunksPerPrompt) : 0;
    const mixedSec = mixedSteps > 0
      ? model.stepSeconds({
        prefillTokens: (running * prefillPerRequest) / mixedSteps,
        prefillContextTokens: (running * cached) / mixedSteps,
        prefillSeqs: Math.max(1, (running * chunksPerPrompt) / mixedSteps),
        decodeSeqs: running, decodeContextTokens: running * avgContext,
      })
      : 0;
    roundSec = mixedSteps * mixedSec + (steps - mixedSteps) * decodeStepSec;
  } else {
    // Each prompt runs alone; every running request waits for it.
    const ownPrefill = prefillPerRequest > 0 ? prefillSeconds(model, prefillPerRequest, cached, 0, 0, false) : 0;
    roundSec = out * decodeStepSec + running * ownPrefill;
  }
  const itlSec = roundSec / out;
  const outputTokPerSec = (running * out) / roundSec;
  // A new request's prompt goes through beside the running decodes; queued ones wait for a finishing slot.
  const ownPrefill = prefillSeconds(model, prompt, cached, running, running * avgContext, chunked);
  const queued = input.concurrency - running;
  const completionsPerSec = running / roundSec;
  const queueSec = queued > 0 ? queued / completionsPerSec : 0;
  // An arriving prompt also waits, on average, for half of the step in flight.
  const ttftSec = queueSec + (running > 1 ? decodeStepSec / 2 : 0) + ownPrefill;
  return {
    running, queued, limitedBy, itlSec, perUserTokPerSec: 1 / itlSec, outputTokPerSec, ttftSec,
    e2eSec: ttftSec + out * itlSec, idleTtftSec,
    parts: { decodeStepSec, prefillPerTokenSec: itlSec - decodeStepSec, preemptionsPerRound, recomputeTokensPerRound, chunkedPrefill: chunked },
  };
}

/**
 * Seconds to prefill `prompt` new tokens: in chunks of the step budget alongside `decodeSeqs` decoding requests,
 * or (without chunked prefill) in one step of its own — the decoders wait, so they are not part of it.
 */
function prefillSeconds(model: ReplicaModel, prompt: number, cached: number, decodeSeqs: number, decodeContextTokens: number, chunked: boolean): number {
  if (!chunked) return model.stepSeconds({ prefillTokens: Math.max(1, prompt), prefillContextTokens: cached, decodeSeqs: 0, decodeContextTokens: 0 });
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
