// The engine core shared by HTTP and virtual-time modes: vLLM-style continuous batching.
// Each step: running sequences first (decode, or the next chunk of a prefill), preempting the most
// recent ones by recompute when KV blocks run out; then, if nothing was preempted, waiting sequences
// in FCFS order up to max_num_seqs and the token budget (chunked prefill), each starting from its
// longest cached prefix. Step durations come only from the performance model.
import type { ReplicaModel, StepWork } from '../perfmodel/types.js';
import { BlockPool } from './block-pool.js';
import type { Clock } from './clock.js';
import { SeqState, type Sequence } from './sequence.js';

export interface EngineCounters {
  /** Prompt tokens of requests whose prefill completed (vllm:prompt_tokens_total). */
  promptTokens: number;
  generationTokens: number;
  /** Prefix cache lookups and hits, in tokens (vllm:prefix_cache_queries_total / _hits_total). */
  prefixQueries: number;
  prefixHits: number;
  preemptions: number;
  finished: number;
  aborted: number;
  steps: number;
  busySeconds: number;
}

export interface EngineOptions {
  /** Multiplies every step time (a slow or throttled GPU). */
  slowdown?: number;
}

export class Engine {
  readonly pool: BlockPool;
  readonly blockSize: number;
  readonly counters: EngineCounters = {
    promptTokens: 0,
    generationTokens: 0,
    prefixQueries: 0,
    prefixHits: 0,
    preemptions: 0,
    finished: 0,
    aborted: 0,
    steps: 0,
    busySeconds: 0,
  };
  private readonly running: Sequence[] = [];
  private readonly waiting: Sequence[] = [];
  private waitHead = 0;
  /** Sequences and token counts of the step in flight. */
  private readonly batch: Sequence[] = [];
  private readonly batchTokens: number[] = [];
  private busy = false;
  private stepEnd = 0;
  private readonly slowdown: number;
  private readonly maxNumSeqs: number;
  private readonly maxBatchedTokens: number;
  private readonly chunkedPrefill: boolean;

  constructor(
    readonly model: ReplicaModel,
    private readonly clock: Clock,
    options: EngineOptions = {},
  ) {
    this.pool = new BlockPool(model.kvBlocks);
    this.blockSize = model.blockSize;
    this.slowdown = options.slowdown ?? 1;
    this.maxNumSeqs = model.maxNumSeqs;
    this.maxBatchedTokens = model.maxBatchedTokens;
    this.chunkedPrefill = model.chunkedPrefill ?? true;
  }

  get numRunning(): number {
    return this.running.length;
  }

  get numWaiting(): number {
    return this.waiting.length - this.waitHead;
  }

  kvUsage(): number {
    return this.pool.usage();
  }

  /** Why a request can never run here (too long for the context or the whole cache), or undefined. */
  rejects(promptTokens: number, maxOutput: number): string | undefined {
    const total = promptTokens + maxOutput;
    if (total > this.model.maxModelLen) {
      return `This model's maximum context length is ${this.model.maxModelLen} tokens. However, you requested ${total} tokens (${promptTokens} in the messages, ${maxOutput} in the completion).`;
    }
    if (Math.ceil(total / this.blockSize) > this.pool.size) return `request needs more KV blocks than the cache holds (${this.pool.size})`;
    return undefined;
  }

  submit(seq: Sequence): void {
    seq.arrival = this.clock.now();
    seq.state = SeqState.Waiting;
    this.waiting.push(seq);
    this.wake();
  }

  /** Client went away: drop the sequence and free its blocks now. */
  abort(seq: Sequence): void {
    if (seq.state === SeqState.Finished || seq.state === SeqState.Aborted) return;
    if (seq.state === SeqState.Running) {
      removeItem(this.running, seq);
      this.freeBlocks(seq);
    } else {
      const i = this.waiting.indexOf(seq, this.waitHead);
      if (i >= 0) this.waiting.splice(i, 1);
      this.freeBlocks(seq);
    }
    seq.state = SeqState.Aborted;
    this.counters.aborted++;
  }

  private wake(): void {
    if (this.busy) return;
    this.busy = true;
    // Start on the next event at this instant, so requests arriving together share the first step.
    const now = this.clock.now();
    this.clock.at(now > this.stepEnd ? now : this.stepEnd, this.startStep);
  }

  private readonly startStep = (): void => {
    const now = this.clock.now();
    this.runStep(now > this.stepEnd ? now : this.stepEnd);
  };

  private runStep(t: number): void {
    const work = this.schedule(t);
    if (work === undefined) {
      this.busy = false;
      return;
    }
    const d = this.model.stepSeconds(work) * this.slowdown;
    this.counters.steps++;
    this.counters.busySeconds += d;
    this.stepEnd = t + d;
    this.clock.at(this.stepEnd, this.finishStep);
  }

  /** Picks the step's batch; undefined when there is nothing to run. */
  private schedule(t: number): StepWork | undefined {
    const bs = this.blockSize;
    const pool = this.pool;
    const running = this.running;
    const batch = this.batch;
    const tokens = this.batchTokens;
    batch.length = 0;
    tokens.length = 0;
    let budget = this.maxBatchedTokens;
    let prefill = 0;
    let prefillCtx = 0;
    let prefillSeqs = 0;
    let decode = 0;
    let decodeCtx = 0;
    let preempted = false;

    // Without chunked prefill (vLLM V0), waiting prompts run whole in a step of their own while decodes wait.
    if (!this.chunkedPrefill) {
      const work = this.schedulePrefillOnly(t);
      if (work !== undefined) return work;
    }

    for (let i = 0; i < running.length && budget > 0; ) {
      const seq = running[i]!;
      let n = seq.numTokens - seq.numComputed;
      if (n > budget) n = budget;
      const need = Math.ceil((seq.numComputed + n) / bs) - seq.blocks.length;
      let self = false;
      while (need > pool.freeBlocks) {
        const victim = running.pop()!;
        this.preempt(victim);
        preempted = true;
        if (victim === seq) {
          self = true;
          break;
        }
      }
      if (self) break;
      for (let k = 0; k < need; k++) seq.blocks.push(pool.allocate());
      batch.push(seq);
      tokens.push(n);
      budget -= n;
      if (n === 1 && seq.output > 0 && seq.numComputed === seq.numTokens - 1) {
        decode++;
        decodeCtx += seq.numTokens;
      } else {
        prefill += n;
        prefillCtx += seq.numComputed;
        prefillSeqs++;
      }
      i++;
    }

    // vLLM admits nothing new in a step that preempted, unless the step would otherwise be empty.
    if (!preempted || batch.length === 0) {
      const waiting = this.waiting;
      while (this.waitHead < waiting.length && budget > 0 && running.length < this.maxNumSeqs) {
        const seq = waiting[this.waitHead]!;
        const n = this.admit(seq, budget);
        if (n === 0) break; // FCFS: the head waits for blocks, so does everyone behind it
        this.waitHead++;
        seq.state = SeqState.Running;
        if (seq.firstScheduled < 0) seq.firstScheduled = t;
        running.push(seq);
        batch.push(seq);
        tokens.push(n);
        budget -= n;
        prefill += n;
        prefillCtx += seq.numComputed;
        prefillSeqs++;
      }
      if (this.waitHead > 1024 && this.waitHead * 2 > waiting.length) {
        waiting.splice(0, this.waitHead);
        this.waitHead = 0;
      }
    }

    if (batch.length === 0) return undefined;
    return { prefillTokens: prefill, prefillContextTokens: prefillCtx, prefillSeqs, decodeSeqs: decode, decodeContextTokens: decodeCtx };
  }

  /** Admits waiting prompts whole (the first even past the token budget) into a prefill-only step. */
  private schedulePrefillOnly(t: number): StepWork | undefined {
    const waiting = this.waiting;
    let budget = Math.max(this.maxBatchedTokens, 1);
    let prefill = 0;
    let prefillCtx = 0;
    let prefillSeqs = 0;
    while (this.waitHead < waiting.length && this.running.length < this.maxNumSeqs) {
      const seq = waiting[this.waitHead]!;
      const whole = seq.numTokens;
      if (prefillSeqs > 0 && whole > budget) break;
      const n = this.admit(seq, Math.max(budget, whole));
      if (n === 0) break;
      this.waitHead++;
      seq.state = SeqState.Running;
      if (seq.firstScheduled < 0) seq.firstScheduled = t;
      this.running.push(seq);
      this.batch.push(seq);
      this.batchTokens.push(n);
      budget -= n;
      prefill += n;
      prefillCtx += seq.numComputed;
      prefillSeqs++;
    }
    if (prefillSeqs === 0) return undefined;
    return { prefillTokens: prefill, prefillContextTokens: prefillCtx, prefillSeqs, decodeSeqs: 0, decodeContextTokens: 0 };
  }

  /**
   * Gives a waiting sequence its longest cached prefix plus blocks for its first chunk.
   * Returns the tokens to compute this step, or 0 (nothing taken) when the blocks do not fit.
   */
  private admit(seq: Sequence, budget: number): number {
    const pool = this.pool;
    const bs = this.blockSize;
    const hashes = seq.hashes;
    // At least one token must be computed to produce logits (vLLM never hits the whole prompt).
    const maxHit = Math.min(hashes.length, Math.floor((seq.numTokens - 1) / bs));
    let hit = 0;
    let freeTaken = 0;
    for (; hit < maxHit; hit++) {
      const b = pool.lookup(hashes[hit]!);
      if (b < 0) break;
      if (pool.isFree(b)) freeTaken++;
    }
    const computed = hit * bs;
    let n = seq.numTokens - computed;
    if (n > budget) n = budget;
    const need = Math.ceil((computed + n) / bs) - hit;
    if (need + freeTaken > pool.freeBlocks) return 0;
    for (let k = 0; k < hit; k++) {
      const b = pool.lookup(hashes[k]!);
      pool.touch(b);
      seq.blocks.push(b);
    }
    for (let k = 0; k < need; k++) seq.blocks.push(pool.allocate());
    seq.registered = hit;
    seq.numComputed = computed;
    if (seq.preemptions === 0) {
      seq.cachedTokens = computed;
      this.counters.prefixQueries += seq.numTokens;
      this.counters.prefixHits += computed;
    }
    return n;
  }

  private readonly finishStep = (): void => {
    const t = this.stepEnd;
    const batch = this.batch;
    const tokens = this.batchTokens;
    const bs = this.blockSize;
    const pool = this.pool;
    const c = this.counters;
    let finished = false;
    for (let i = 0; i < batch.length; i++) {
      const seq = batch[i]!;
      if (seq.state !== SeqState.Running) continue; // aborted or preempted during the step
      seq.numComputed += tokens[i]!;
      // Register blocks that became full, as far as their hashes are known.
      const full = Math.floor(seq.numComputed / bs);
      const hashes = seq.hashes;
      while (seq.registered < full) {
        const k = seq.registered++;
        if (k < hashes.length) pool.register(seq.blocks[k]!, hashes[k]!);
      }
      if (seq.numComputed < seq.numTokens) continue; // a prefill chunk, no token yet
      if (seq.output === 0) c.promptTokens += seq.promptTokens;
      seq.output++;
      seq.numTokens++;
      c.generationTokens++;
      if (seq.firstToken < 0) seq.firstToken = t;
      seq.listener.onToken(seq, t);
      seq.lastToken = t;
      if (seq.output >= seq.maxOutput) {
        seq.state = SeqState.Finished;
        this.freeBlocks(seq);
        c.finished++;
        finished = true;
        seq.listener.onFinish(seq, t);
      }
    }
    if (finished) compactRunning(this.running);
    batch.length = 0;
    this.runStep(t);
  };

  private preempt(seq: Sequence): void {
    this.freeBlocks(seq);
    seq.numComputed = 0;
    seq.registered = 0;
    seq.state = SeqState.Waiting;
    seq.preemptions++;
    this.counters.preemptions++;
    // Back to the front of the queue.
    if (this.waitHead > 0) this.waiting[--this.waitHead] = seq;
    else this.waiting.unshift(seq);
  }

  /** Frees in reverse so the tail of a sequence is evicted before its (more shareable) head. */
  private freeBlocks(seq: Sequence): void {
    const blocks = seq.blocks;
    for (let k = blocks.length - 1; k >= 0; k--) this.pool.release(blocks[k]!);
    blocks.length = 0;
    seq.registered = 0;
  }
}

function removeItem(list: Sequence[], seq: Sequence): void {
  const i = list.indexOf(seq);
  if (i >= 0) list.splice(i, 1);
}

function compactRunning(list: Sequence[]): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const s = list[r]!;
    if (s.state === SeqState.Running) list[w++] = s;
  }
  list.length = w;
}
