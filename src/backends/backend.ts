// The Backend interface: every engine, local or remote, answers in the OpenAI wire format
// (JSON, or SSE when streaming). HTTP engines pass their bytes through; in-process engines
// (embedded llama.cpp) encode to the same format, so codecs and accounting have one input.
import type { LoadedModelStatus } from '../engine/model-registry.js';
import type { Endpoint } from '../protocol/canonical.js';
import type { JsonObject } from '../protocol/json.js';

export type BackendKind = 'vllm' | 'sglang' | 'llamacpp' | 'tgi' | 'ollama' | 'openai' | 'embedded';

export interface UpstreamCall {
  readonly requestId: string;
  readonly endpoint: Endpoint;
  /** Upstream-ready OpenAI body: deployment model name set, stream_options added when streaming. */
  readonly body: JsonObject;
  readonly stream: boolean;
  /** Ollama keep_alive for engines that manage model lifetimes (embedded). */
  readonly keepAliveMs?: number | undefined;
  /** W3C traceparent for the engine (vLLM continues the trace). */
  readonly traceparent?: string | undefined;
}

export interface UpstreamReply {
  readonly status: number;
  /** Content type of the body as the engine sent it. */
  readonly contentType: string;
  /** Response headers worth keeping (retry-after, x-ratelimit-*). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body bytes; consume fully or abort the signal to release the connection. */
  readonly body: AsyncIterable<Uint8Array>;
}

/** Why a call failed before any byte of the reply body was produced. */
export type BackendFailure = 'connect' | 'timeout' | 'status' | 'aborted' | 'protocol';

export class BackendError extends Error {
  constructor(
    readonly failure: BackendFailure,
    message: string,
    /** HTTP status from the upstream when failure is 'status'. */
    readonly status?: number,
    /** The upstream's error body (already an OpenAI error, usually) for 4xx pass-through. */
    readonly body?: string,
    /** Headers the client should see (retry-after, x-ratelimit-*). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'BackendError';
  }
  /**
   * Connect errors, timeouts before the first byte, 5xx and 429 may be retried elsewhere; so may
   * 401/403/404, which say this deployment is misconfigured (credentials, model name), not the request.
   */
  get retryable(): boolean {
    return this.backendFault || (this.failure === 'status' && (this.status === 429 || this.status === 404));
  }
  /**
   * The backend's own failure, which counts against its breaker: unreachable, too slow, 5xx, or the
   * gateway's credentials refused. A 4xx about the request (400, 404 for an endpoint or model it
   * lacks, 413, 422, 429) is the client's answer: one client must not take a model away from everyone.
   */
  get backendFault(): boolean {
    const s = this.status ?? 0;
    return this.failure === 'connect' || this.failure === 'timeout' || (this.failure === 'status' && (s >= 500 || s === 401 || s === 403));
  }
}

/** Engine load as scraped from /metrics (vLLM, SGLang, llama.cpp names). Undefined = unknown. */
export interface EngineLoad {
  running?: number | undefined;
  waiting?: number | undefined;
  /** 0..1 */
  kvUsage?: number | undefined;
  kvBlocks?: number | undefined;
  blockSize?: number | undefined;
  /** Cumulative prefix-cache queried and hit tokens (vLLM), for the hit rate over a window. */
  prefixQueries?: number | undefined;
  prefixHits?: number | undefined;
  scrapedAt: number;
}

/** Ollama's capability names: what a model can be asked to do through this gateway. */
export const modelCapabilities = ['completion', 'tools', 'insert', 'embedding', 'vision', 'thinking'] as const;
export type ModelCapability = (typeof modelCapabilities)[number];

/** What an engine knows about a model it serves (Ollama's /api/tags and /api/show). */
export interface ModelDetails {
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
  readonly family: string;
  readonly parameterSize: string;
  readonly quantization: string;
  readonly contextLength: number | undefined;
  readonly capabilities: readonly ModelCapability[];
}

export interface Backend {
  readonly id: string;
  readonly kind: BackendKind;
  /** Data-residency zone of the machine this backend runs on (local, eu, ...). */
  readonly zone: string;
  call(call: UpstreamCall, signal: AbortSignal): Promise<UpstreamReply>;
  /** Active health probe; resolves true when the engine answers as healthy. */
  health(signal: AbortSignal): Promise<boolean>;
  /** Model ids the engine serves (for discovery), when it can tell. */
  listModels?(signal: AbortSignal): Promise<string[]>;
  /** Engine load from its metrics endpoint, when it has one. */
  load?(signal: AbortSignal): Promise<EngineLoad | undefined>;
  /** Details of a model this engine serves (by its upstream name), when the engine can tell. */
  describeModel?(model: string): Promise<ModelDetails | undefined>;
  /** Models held in memory now (Ollama's /api/ps), for engines that load and unload them. */
  loaded?(): LoadedModelStatus[];
  /** Whether the engine serves an endpoint (chat, completions and embeddings are assumed when absent). */
  serves?(endpoint: Endpoint): boolean;
  /**
   * Prompt tokens of a chat body (upstream model, messages, tools) by the engine's own tokenizer and
   * template; undefined when the engine has no way to tell.
   */
  countTokens?(body: JsonObject, signal: AbortSignal): Promise<number | undefined>;
  close(): Promise<void>;
}
