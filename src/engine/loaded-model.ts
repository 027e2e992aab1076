// One model in memory: the llama.cpp model, a context with `parallel` sequences (llama.cpp
// batches them together), the chat wrapper resolved from its GGUF template, and its admission queue.
import type { ChatWrapper, GbnfJsonSchema, Llama, LlamaContext, LlamaEmbeddingContext, LlamaGrammar, LlamaModel } from 'node-llama-cpp';
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
    await this.context.dispose();
    await this.model.dispose();
  }
}
