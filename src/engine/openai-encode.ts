// Encodes engine results into the OpenAI wire format (JSON bodies and SSE chunks) that every
// Backend speaks. llama.cpp-server style `timings` ride along for clients that read them.
import type { JsonObject, JsonValue } from '../protocol/json.js';

export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens served from the sequence's KV cache (a shared prefix with its previous request). */
  readonly cachedTokens: number;
}

export interface Timings {
  /** Prompt evaluation: tokens evaluated (not cached) and ms until the first generated token. */
  readonly promptN: number;
  readonly cacheN: number;
  readonly promptMs: number;
  readonly predictedN: number;
  readonly predictedMs: number;
}

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

export function usageJson(u: Usage): JsonObject {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
  };
}

export function timingsJson(t: Timings): JsonObject {
  return {
    cache_n: t.cacheN,
    prompt_n: t.promptN,
    prompt_ms: round(t.promptMs),
    prompt_per_second: t.promptMs > 0 ? round((t.promptN * 1000) / t.promptMs) : null,
    predicted_n: t.predictedN,
    predicted_ms: round(t.predictedMs),
    predicted_per_second: t.predictedMs > 0 ? round((t.predictedN * 1000) / t.predictedMs) : null,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export interface ReplyHead {
  readonly id: string;
  readonly model: string;
  readonly created: number;
}

function toolCallsJson(calls: readonly ToolCall[], withIndex: boolean): JsonValue[] {
  return calls.map((c, i) => ({
    ...(withIndex ? { index: i } : {}),
    id: c.id,
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
}

/** The fields every reply and chunk starts with. */
function replyJson(h: ReplyHead, object: string, choices: JsonValue[]): JsonObject {
  return { id: h.id, object, created: h.created, model: h.model, choices };
}

/** A reply that closes the request: the head, then its usage and timings. */
function settledJson(h: ReplyHead, object: string, choices: JsonValue[], usage: Usage, timings: Timings): JsonObject {
  return { ...replyJson(h, object, choices), usage: usageJson(usage), timings: timingsJson(timings) };
}

export function chatCompletionJson(h: ReplyHead, text: string, finish: FinishReason, usage: Usage, timings: Timings, toolCalls: readonly ToolCall[]): JsonObject {
  const message: JsonObject = { role: 'assistant', content: toolCalls.length > 0 && text === '' ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCallsJson(toolCalls, false);
  return settledJson(h, 'chat.completion', [{ index: 0, message, logprobs: null, finish_reason: finish }], usage, timings);
}

export function chatChunkJson(h: ReplyHead, delta: JsonObject, finish: FinishReason | null): JsonObject {
  return replyJson(h, 'chat.completion.chunk', [{ index: 0, delta, logprobs: null, finish_reason: finish }]);
}

export function chatToolCallsDelta(calls: readonly ToolCall[]): JsonObject {
  return { tool_calls: toolCallsJson(calls, true) };
}

export function completionJson(h: ReplyHead, text: string, finish: FinishReason, usage: Usage, timings: Timings): JsonObject {
  return settledJson(h, 'text_completion', [{ index: 0, text, logprobs: null, finish_reason: finish }], usage, timings);
}

export function completionChunkJson(h: ReplyHead, text: string, finish: FinishReason | null): JsonObject {
  return replyJson(h, 'text_completion', [{ index: 0, text, logprobs: null, finish_reason: finish }]);
}

/** The final usage-only chunk that stream_options.include_usage asks for. */
export function usageChunkJson(h: ReplyHead, object: string, usage: Usage, timings: Timings): JsonObject {
  return settledJson(h, object, [], usage, timings);
}

/**
 * The per-token SSE event, built from a prefix and suffix fixed for the request: one JSON.stringify
 * of the text per token instead of a whole object (this runs thousands of times a second).
 */
export function textEventEncoder(h: ReplyHead, chat: boolean): (text: string) => string {
  const marker = '\u0000text\u0000';
  const template = sse(chat ? chatChunkJson(h, { content: marker }, null) : completionChunkJson(h, marker, null));
  const at = template.indexOf(JSON.stringify(marker));
  const prefix = template.slice(0, at);
  const suffix = template.slice(at + JSON.stringify(marker).length);
  return (text) => prefix + JSON.stringify(text) + suffix;
}

export function sse(obj: JsonObject): string {
  return `data: ${JSON.stringify(obj)}\n\n`;
}
export const SSE_DONE = 'data: [DONE]\n\n';

export function errorJson(message: string, type: string, code: string | null, param: string | null = null): JsonObject {
  return { error: { message, type, param, code } };
}
