// The embedded backend: llama.cpp in-process (src/engine) behind the same Backend contract as
// HTTP engines. It answers in the OpenAI wire format, so codecs and accounting see no difference.
import type { EmbeddedBackendConfig } from '../config/schema.js';
import { parseKeepAlive } from '../engine/keep-alive.js';
import { llamaRuntime } from '../engine/llama-runtime.js';
import { ModelRegistry, type GgufEntry, type LoadedModelStatus } from '../engine/model-registry.js';
import { EngineRefusal } from '../engine/engine-refusal.js';
import { runRequest } from '../engine/run-request.js';
import { countChatTokens } from '../engine/count-tokens.js';
import type { Endpoint } from '../protocol/canonical.js';
import type { JsonObject } from '../protocol/json.js';
import { defaultModelsDir } from '../engine/models-dir.js';
import { readGguf } from '../engine/gguf-reader.js';
import { formatParameters, modelInfo, type ModelInfo } from '../engine/model-info.js';
import type { Backend, EngineLoad, ModelCapability, ModelDetails, UpstreamCall, UpstreamReply } from './backend.js';

export interface EmbeddedBackendOptions {
  /** Free-memory probe for the load-time memory check (tests simulate small machines). */
  readonly freeMemory?: () => number;
}

export interface EmbeddedBackend extends Backend {
  readonly kind: 'embedded';
  readonly modelsDir: string;
  /** Loaded models for GET /api/ps. */
  loaded(): LoadedModelStatus[];
  /** The GGUF files this backend can serve (name = file name without .gguf). */
  models(): Promise<GgufEntry[]>;
  /** Unloads an idle model now (Ollama: a request with keep_alive 0 and no prompt). */
  unload(name: string): Promise<boolean>;
}

class EmbeddedLlamaBackend implements EmbeddedBackend {
  readonly kind = 'embedded' as const;
  readonly zone: string;
  readonly modelsDir: string;
  private readonly registry: ModelRegistry;
  private readonly gpu: boolean;
  /** GGUF headers read for describeModel, by path; kept while the file's size and time stay. */
  private readonly headers = new Map<string, { key: string; info: ModelInfo }>();

  constructor(
    readonly id: string,
    cfg: EmbeddedBackendConfig,
    options: EmbeddedBackendOptions,
  ) {
    this.zone = cfg.zone;
    this.gpu = cfg.gpu;
    this.modelsDir = cfg.models_dir ?? defaultModelsDir();
    let keepAliveMs: number;
    try {
      keepAliveMs = parseKeepAlive(cfg.keep_alive);
    } catch (err) {
      throw new Error(`backend ${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.registry = new ModelRegistry({
      modelsDir: this.modelsDir,
      context: cfg.context,
      parallel: cfg.parallel,
      queue: cfg.queue,
      threads: cfg.threads,
      keepAliveMs,
      maxLoaded: cfg.max_loaded_models,
      gpu: cfg.gpu,
      ...(options.freeMemory ? { freeMemory: options.freeMemory } : {}),
    });
  }

  async call(call: UpstreamCall, signal: AbortSignal): Promise<UpstreamReply> {
    const reply = await runRequest(this.registry, call, signal);
    if (reply.status === 200) return reply;
    // The gateway's contract for failures before the first byte: a thrown BackendError with the body.
    let body = '';
    for await (const chunk of reply.body) body += Buffer.from(chunk).toString('utf8');
    let message = `embedded engine answered ${reply.status}`;
    try {
      const parsed = JSON.parse(body) as { error?: { message?: unknown } };
      if (typeof parsed.error?.message === 'string') message = parsed.error.message;
    } catch {
      // keep the generic message
    }
    throw new EngineRefusal(reply.status, message, body, reply.headers);
  }

  /** Healthy when the llama.cpp runtime loads (a missing or broken native binary fails every request). */
  async health(): Promise<boolean> {
    try {
      await llamaRuntime(this.gpu);
      return true;
    } catch {
      return false;
    }
  }

  async listModels(): Promise<string[]> {
    return (await this.registry.list()).map((m) => m.name);
  }

  async load(): Promise<EngineLoad | undefined> {
    let running = 0;
    let waiting = 0;
    for (const m of this.registry.loadedModels()) {
      running += m.queue.active;
      waiting += m.queue.waiting;
    }
    return { running, waiting, scrapedAt: Date.now() };
  }

  serves(endpoint: Endpoint): boolean {
    return endpoint === 'chat' || endpoint === 'completions' || endpoint === 'embeddings';
  }

  countTokens(body: JsonObject): Promise<number | undefined> {
    return countChatTokens(this.registry, body);
  }

  loaded(): LoadedModelStatus[] {
    return this.registry.status();
  }

  async describeModel(name: string): Promise<ModelDetails | undefined> {
    const entry = (await this.registry.list()).find((e) => e.name === name);
    if (!entry) return undefined;
    const key = `${entry.sizeBytes}:${entry.modifiedAt.getTime()}`;
    let cached = this.headers.get(entry.path);
    if (cached?.key !== key) {
      const info = await readGguf(entry.path).then(modelInfo, () => undefined);
      if (!info) return undefined;
      cached = { key, info };
      this.headers.set(entry.path, cached);
    }
    const info = cached.info;
    // What this engine does with the file: every model embeds; chat tools need a template that
    // renders them; fill-in-the-middle (Ollama's 'insert') needs the FIM tokens.
    const capabilities: ModelCapability[] = ['completion'];
    if (info.chatTemplateSupportsTools) capabilities.push('tools');
    if (info.fim) capabilities.push('insert');
    capabilities.push('embedding');
    return {
      sizeBytes: entry.sizeBytes,
      modifiedAt: entry.modifiedAt,
      family: info.architecture,
      parameterSize: formatParameters(info.parameters),
      quantization: info.quantization,
      contextLength: info.contextLength,
      capabilities,
    };
  }

  models(): Promise<GgufEntry[]> {
    return this.registry.list();
  }

  unload(name: string): Promise<boolean> {
    return this.registry.unload(name);
  }

  close(): Promise<void> {
    return this.registry.close();
  }
}

export function createEmbeddedBackend(id: string, cfg: EmbeddedBackendConfig, options: EmbeddedBackendOptions = {}): EmbeddedBackend {
  return new EmbeddedLlamaBackend(id, cfg, options);
}

export { ensureDemoModel, DEMO_MODEL_NAME } from '../engine/tiny-model.js';
export { listGgufFiles, type GgufEntry, type LoadedModelStatus } from '../engine/model-registry.js';
export { defaultModelsDir } from '../engine/models-dir.js';
export { embeddedServeSetup, DEMO_MODEL_DESCRIPTION, EMBEDDED_BACKEND_ID, type EmbeddedServeSetup } from '../engine/serve-setup.js';
export { ollamaPsJson } from '../engine/ollama-ps.js';
export { EngineRefusal } from '../engine/engine-refusal.js';
