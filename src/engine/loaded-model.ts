// One model in memory: the llama.cpp model, a context with `parallel` sequences (llama.cpp
// batches them together), the chat wrapper resolved from its GGUF template, and its admission queue.
import type { ChatWrapper, GbnfJsonSchema, Llama, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaGrammar, LlamaModel, Token } from 'node-llama-cpp';
import { errors } from '../protocol/errors.js';
import type { MemoryEstimate } from './memory-estimate.js';
import type { ModelInfo } from './model-info.js';
import type { ResponseFormat } from './request-options.js';
import { SlotQueue } from './slot-queue.js';

export interface LoadOptions {
  readonly context: number;
  readonly parallel: number;
  readonly queue: number;
  readonly threads: number | undefined;
}

const SMALL_MODEL_BYTES = 64 * 1024 * 1024;

export class LoadedModel {
  readonly queue: SlotQueue;
  readonly loadedAt = Date.now();
  /** Requests holding the model (running or queued); it is never unloaded while > 0. */
  holders = 0;
  lastUsedAt = Date.now();
  /** Epoch ms when an idle model unloads; Infinity = never. */
  expiresAt = Infinity;
  keepAliveMs: number;
  timer: NodeJS.Timeout | undefined;
  private embeddings: Promise<LlamaEmbeddingContext> | undefined;
  /** Sequences between requests, with their KV cache: a prompt that shares their prefix skips it. */
  private readonly idle: LlamaContextSequence[] = [];
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();

  private constructor(
    readonly info: ModelInfo,
    readonly estimate: MemoryEstimate,
    readonly llama: Llama,
    readonly model: LlamaModel,
    readonly context: LlamaContext,
    readonly chatWrapper: ChatWrapper,
    private readonly options: LoadOptions,
    keepAliveMs: number,
  ) {
    this.queue = new SlotQueue(options.parallel, options.queue);
    this.keepAliveMs = keepAliveMs;
  }

  static async load(llama: Llama, info: ModelInfo, estimate: MemoryEstimate, options: LoadOptions, keepAliveMs: number): Promise<LoadedModel> {
    const { resolveChatWrapper } = await import('node-llama-cpp');
    const model = await llama.loadModel({ modelPath: info.path });
    // Tiny models (the demo) spend more on thread synchronisation than on math: one thread is fastest.
    if (options.threads === undefined && info.weightsBytes < SMALL_MODEL_BYTES) options = { ...options, threads: 1 };
    try {
      const context = await model.createContext({
        contextSize: options.context,
        sequences: options.parallel,
        ...(options.threads !== undefined ? { threads: options.threads } : {}),
      });
      return new LoadedModel(info, estimate, llama, model, context, resolveChatWrapper(model), options, keepAliveMs);
    } catch (err) {
      await model.dispose();
      throw err;
    }
  }

  /**
   * A sequence for a request that holds a slot: the idle one sharing the longest prefix with `prompt`
   * (llama.cpp then evaluates only the rest), else a fresh one. node-llama-cpp reclaims a disposed
   * sequence asynchronously, so a fresh one may take a moment to come back.
   */
  async takeSequence(prompt: readonly Token[] | undefined): Promise<LlamaContextSequence> {
    let best = -1;
    let bestShared = -1;
    this.idle.forEach((seq, i) => {
      const shared = prompt ? seq.compareContextTokens([...prompt]).firstDifferentIndex : 0;
      if (shared > bestShared) {
        best = i;
        bestShared = shared;
      }
    });
    // Reuse only when it saves work, or when no fresh sequence is left.
    if (best >= 0 && (bestShared > 0 || this.context.sequencesLeft === 0)) return this.idle.splice(best, 1)[0] as LlamaContextSequence;
    const t0 = performance.now();
    while (this.context.sequencesLeft === 0 && this.idle.length === 0) {
      if (performance.now() - t0 > 5000) throw new Error('no sequence was freed within 5 s');
      await new Promise((r) => setTimeout(r, 1));
    }
    if (this.context.sequencesLeft > 0) return this.context.getSequence();
    return this.idle.shift() as LlamaContextSequence;
  }

  /** Back to the pool after a request; a sequence that failed is dropped instead. */
  returnSequence(sequence: LlamaContextSequence, reusable: boolean): void {
    if (reusable && !sequence.disposed && !this.context.disposed) this.idle.push(sequence);
    else sequence.dispose();
  }

  /** A lazily created context for /v1/embeddings (a separate, smaller KV cache). */
  get embeddingContextSize(): number {
    return Math.min(this.options.context, this.info.contextLength ?? this.options.context);
  }

  embeddingContext(): Promise<LlamaEmbeddingContext> {
    if (!this.embeddings) {
      this.embeddings = this.model.createEmbeddingContext({
        contextSize: this.embeddingContextSize,
        ...(this.options.threads !== undefined ? { threads: this.options.threads } : {}),
      });
      this.embeddings.catch(() => (this.embeddings = undefined));
    }
    return this.embeddings;
  }

  /** Grammar for a response_format, compiled once per distinct schema. */
  grammar(format: ResponseFormat): Promise<LlamaGrammar> | undefined {
    if (format.kind === 'text') return undefined;
    const key = format.kind === 'json_object' ? 'json' : JSON.stringify(format.schema);
    let g = this.grammars.get(key);
    if (!g) {
      g =
        format.kind === 'json_object'
          ? this.llama.getGrammarFor('json')
          : this.llama.createGrammarForJsonSchema<GbnfJsonSchema>(format.schema as GbnfJsonSchema).catch((err: unknown) => {
              throw errors.invalidParam('response_format.json_schema.schema', `This JSON schema cannot be enforced by grammar: ${err instanceof Error ? err.message : String(err)}`);
            });
      g.catch(() => this.grammars.delete(key));
      this.grammars.set(key, g);
    }
    return g;
  }

  async dispose(): Promise<void> {
    clearTimeout(this.timer);
    this.queue.rejectAll(errors.unavailable(`model '${this.info.name}' was unloaded`, 1));
    const emb = this.embeddings;
    this.embeddings = undefined;
    if (emb) await emb.then((e) => e.dispose(), () => undefined);
    for (const seq of this.idle.splice(0)) seq.dispose();
    await this.context.dispose();
    await this.model.dispose();
  }
}
