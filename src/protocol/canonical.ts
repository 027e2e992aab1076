// The canonical request: what every API codec produces and every later stage consumes.
// The body is always OpenAI-shaped (the Ollama, Responses and Messages codecs translate into it), so
// backends speak one wire format and the gateway can pass bytes through when the client speaks it too.
import type { JsonObject } from './json.js';

export type Endpoint = 'chat' | 'completions' | 'embeddings' | 'rerank' | 'score';
/** The API family a request came in on: a label for errors and logs; later stages never branch on it. */
export type ClientProtocol = 'openai' | 'ollama' | 'responses' | 'anthropic';

export interface CanonicalRequest {
  /** Request id (x-request-id), also sent upstream. */
  readonly id: string;
  readonly endpoint: Endpoint;
  readonly protocol: ClientProtocol;
  /** Public model name as the client asked for it. */
  readonly model: string;
  /** OpenAI-shaped body; the router's deployment replaces `model` before sending. */
  readonly body: JsonObject;
  readonly stream: boolean;
  /** The client asked for a usage chunk (stream_options.include_usage); if not, we drop the one we ask for. */
  readonly clientWantsUsage: boolean;
  /** max_tokens / max_completion_tokens as given, undefined when absent. */
  readonly maxTokens: number | undefined;
  /** Sequences the engine generates, each up to maxTokens (the larger of n and best_of); 1 when absent. */
  readonly choices?: number | undefined;
  /** Characters of prompt text (messages, prompt, input, tool definitions): the basis of token estimates. */
  readonly promptChars: number;
  /** Messages (chat) or inputs (completions, embeddings); 1 when absent. */
  readonly promptParts?: number | undefined;
  /** The prompt text's leading part, for prefix-affinity routing (no tokenizer on the hot path). */
  readonly promptPrefix: string;
  /** Ollama keep_alive in ms when the client gave one (embedded engine honours it). */
  readonly keepAliveMs?: number | undefined;
  /** Session affinity hint (x-session-id header), when present. */
  readonly sessionId?: string | undefined;
  /** performance.now() when the request arrived. */
  readonly arrivedAt: number;
}

/** Rough token estimate from characters (about 4 characters per token for English text and code). */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / 4);
}

/**
 * What a chat template adds beyond the text: a default system prompt (Llama 3.1's date block, Qwen's
 * "You are Qwen…", about 25–30 tokens) and role headers around each message (4–6 tokens). Without
 * it a short prompt ("hi": 1 token by characters, about 30 rendered) is reserved far below its cost.
 */
export const CHAT_TEMPLATE_TOKENS = 32;
export const CHAT_MESSAGE_TOKENS = 8;
/** Begin/end-of-sequence tokens around each untemplated prompt or embedding input. */
export const INPUT_TOKENS = 2;

/** Prompt tokens a request is expected to cost: text by characters plus the template around it. */
export function estimatePromptTokens(req: Pick<CanonicalRequest, 'endpoint' | 'promptChars' | 'promptParts'>): number {
  const parts = Math.max(1, req.promptParts ?? 1);
  const overhead = req.endpoint === 'chat' ? CHAT_TEMPLATE_TOKENS + CHAT_MESSAGE_TOKENS * parts : INPUT_TOKENS * parts;
  return estimateTokens(req.promptChars) + overhead;
}
