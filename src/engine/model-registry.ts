// The models of one models directory and their lifecycle, like Ollama: load on first use, unload
// after keep_alive idle, at most `maxLoaded` in memory, and a memory check from the GGUF header
// before loading that refuses clearly instead of letting the process be killed.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errors, GatewayError } from '../protocol/errors.js';
import { GgufError, readGguf } from './gguf-reader.js';
import { llamaRuntime } from './llama-runtime.js';
import { LoadedModel } from './loaded-model.js';
import { availableMemory, estimateMemory } from './memory-estimate.js';
import { formatBytes, formatParameters, modelInfo } from './model-info.js';

export interface RegistryOptions {
  readonly modelsDir: string;
  readonly context: number;
  readonly parallel: number;
  readonly queue: number;
  readonly threads: number | undefined;
  /** Default keep-alive in ms (Infinity = forever). */
  readonly keepAliveMs: number;
  readonly maxLoaded: number;
  readonly gpu: boolean;
  /** Free memory in bytes; injectable so tests can simulate a small machine. */
  readonly freeMemory?: () => number;
}

export interface GgufEntry {
  readonly name: string;
  readonly path: string;
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
}

/** One row of GET /api/ps. */
export interface LoadedModelStatus {
  readonly name: string;
  readonly path: string;
  /** Estimated resident bytes (weights + KV cache + overhead). */
  readonly sizeBytes: number;
  readonly sizeVramBytes: number;
  /** ISO time of the unload; undefined while in use or when kept forever. */
  readonly expiresAt: string | undefined;
  /** Keep-alive that applies after the last request; undefined = kept forever. */
  readonly keepAliveMs: number | undefined;
  readonly family: string;
  readonly parameterSize: string;
  readonly quantization: string;
  readonly contextLength: number;
  readonly parallel: number;
  readonly running: number;
  readonly waiting: number;
}

/** Lists `*.gguf` files of a directory (not recursive); a missing directory lists as empty. */
export async function listGgufFiles(dir: string): Promise<GgufEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: GgufEntry[] = [];
  for (const file of names.filter((n) => n.toLowerCase().endsWith('.gguf')).sort()) {
    const path = join(dir, file);
    const st = await stat(path).catch(() => undefined);
    if (st?.isFile()) out.push({ name: file.slice(0, -'.gguf'.length), path, sizeBytes: st.size, modifiedAt: st.mtime });
  }
  return out;
}

export interface ModelLease {
  readonly model: LoadedModel;
  /** Ends the hold; the keep-alive clock starts when the last holder leaves. */
  release(): void;
}

export class ModelRegistry {
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, Promise<LoadedModel>>();
  /** Loads run one at a time, so two of them never pass the memory check on the same free bytes. */
  private loadChain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(readonly options: RegistryOptions) {}

  list(): Promise<GgufEntry[]> {
    return listGgufFiles(this.options.modelsDir);
  }

  /** Holds a model (loading it if needed) for one request. */
  async acquire(name: string, requestKeepAliveMs: number | undefined): Promise<ModelLease> {
    // Ollama: any negative keep_alive means forever (the codec passes -1).
    const keepAliveMs = requestKeepAliveMs !== undefined && requestKeepAliveMs < 0 ? Infinity : requestKeepAliveMs;
    if (this.closed) throw errors.unavailable('the embedded engine is shutting down');
    let model = this.loaded.get(name);
    if (!model) {
      let p = this.loading.get(name);
      if (!p) {
        p = this.loadChain.then(() => this.load(name, keepAliveMs));
        this.loadChain = p.catch(() => undefined);
        this.loading.set(name, p);
        p.then(
          () => this.loading.delete(name),
          () => this.loading.delete(name),
        );
      }
      model = await p;
    }
    if (keepAliveMs !== undefined) model.keepAliveMs = keepAliveMs;
    model.holders++;
    clearTimeout(model.timer);
    model.timer = undefined;
    model.expiresAt = Infinity;
    const held = model;
    let released = false;
    return {
      model: held,
      release: () => {
        if (released) return;
        released = true;
        held.holders--;
        held.lastUsedAt = Date.now();
        if (held.holders === 0) this.scheduleUnload(held);
      },
    };
  }

  private scheduleUnload(model: LoadedModel): void {
    const ms = model.keepAliveMs;
    // Past 2^31 - 1 ms a Node timer fires at once: such a keep_alive (24.8 days or more) keeps the model loaded.
    if (ms === Infinity || ms > 2 ** 31 - 1) return;
    if (ms <= 0) {
      void this.unload(model.info.name);
      return;
    }
    model.expiresAt = Date.now() + ms;
    model.timer = setTimeout(() => void this.unload(model.info.name), ms);
    model.timer.unref();
  }

  private async load(name: string, keepAliveMs: number | undefined): Promise<LoadedModel> {
    if (!/^[^/\\]+$/.test(name) || name.startsWith('.')) throw errors.unknownModel(name);
    const path = join(this.options.modelsDir, `${name}.gguf`);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) throw errors.unknownModel(name);
    let info;
    try {
      info = modelInfo(await readGguf(path));
    } catch (err) {
      if (err instanceof GgufError) throw modelInvalid(name, `${name}.gguf: ${err.reason}`);
      throw err;
    }
    const o = this.options;
    const estimate = estimateMemory(info, o.context, o.parallel);
    await this.makeRoom(name, estimate.total);
    const llama = await llamaRuntime(o.gpu);
    try {
      const model = await LoadedModel.load(llama, info, estimate, { context: o.context, parallel: o.parallel, queue: o.queue, threads: o.threads }, keepAliveMs ?? o.keepAliveMs);
      if (this.closed) {
        await model.dispose();
        throw errors.unavailable('the embedded engine is shutting down');
      }
      this.loaded.set(name, model);
      return model;
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (/memory|alloc/i.test(message)) throw insufficientMemory(`llama.cpp could not allocate model '${name}': ${message}`);
      throw modelInvalid(name, `llama.cpp failed to load ${name}.gguf: ${message.replaceAll(path, `${name}.gguf`)}`);
    }
  }

  /** Unloads idle models (least recently used first) until the count and memory limits allow one more. */
  private async makeRoom(name: string, needed: number): Promise<void> {
    const free = (): number => (this.options.freeMemory ?? availableMemory)();
    const idle = (): LoadedModel[] => [...this.loaded.values()].filter((m) => m.holders === 0).sort((a, b) => a.lastUsedAt - b.lastUsedAt);
    while (this.loaded.size >= this.options.maxLoaded) {
      const victim = idle()[0];
      if (!victim) {
        throw errors.unavailable(`cannot load '${name}': ${this.loaded.size} models are loaded and busy (max_loaded_models ${this.options.maxLoaded})`, 5);
      }
      await this.unload(victim.info.name);
    }
    while (needed > free()) {
      const victim = idle()[0];
      if (!victim) {
        const info = this.describeNeed(name, needed, free());
        throw insufficientMemory(info);
      }
      await this.unload(victim.info.name);
    }
  }

  private describeNeed(name: string, needed: number, free: number): string {
    const o = this.options;
    return `not enough memory to load model '${name}': it needs an estimated ${formatBytes(needed)} for context ${o.context} × parallel ${o.parallel}, but only ${formatBytes(free)} is free. Lower 'context' or 'parallel' in the backend config, use a smaller quantization, or unload other models.`;
  }

  async unload(name: string): Promise<boolean> {
    const model = this.loaded.get(name);
    if (!model || model.holders > 0) return false;
    this.loaded.delete(name);
    await model.dispose();
    return true;
  }

  status(): LoadedModelStatus[] {
    return [...this.loaded.values()].map((m) => ({
      name: m.info.name,
      path: m.info.path,
      sizeBytes: m.estimate.total,
      sizeVramBytes: 0,
      expiresAt: m.holders === 0 && Number.isFinite(m.expiresAt) ? new Date(m.expiresAt).toISOString() : undefined,
      keepAliveMs: Number.isFinite(m.keepAliveMs) ? m.keepAliveMs : undefined,
      family: m.info.architecture,
      parameterSize: formatParameters(m.info.parameters),
      quantization: m.info.quantization,
      contextLength: m.context.contextSize,
      parallel: this.options.parallel,
      running: m.queue.active,
      waiting: m.queue.waiting,
    }));
  }

  /** The loaded model, if it is in memory (for load metrics). */
  get(name: string): LoadedModel | undefined {
    return this.loaded.get(name);
  }

  loadedModels(): LoadedModel[] {
    return [...this.loaded.values()];
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.loading.values()]);
    const all = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.allSettled(all.map((m) => m.dispose()));
  }
}

function modelInvalid(name: string, detail: string): GatewayError {
  return new GatewayError({ status: 500, type: 'server_error', code: 'model_load_failed', param: 'model', message: `Model '${name}' cannot be loaded: ${detail}` });
}

function insufficientMemory(message: string): GatewayError {
  return new GatewayError({ status: 507, type: 'server_error', code: 'insufficient_memory', message });
}
