// Defaults per use case: code completion wants short prompts answered fast; chat wants context and throughput.

export type UseCase = 'chat' | 'completion' | 'personal';
export const USE_CASE_IDS: readonly UseCase[] = ['chat', 'completion', 'personal'];

export interface Workload {
  /** Context length each request may use (engine max_model_len / per-slot n_ctx). */
  readonly context: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Per-user decode speed target, tokens/s. */
  readonly minTps: number;
  /** Time-to-first-token target, seconds. */
  readonly maxTtftSec: number;
  /** Prompt tokens a request finds in the prefix cache (not recomputed); from usage records. */
  readonly cachedPromptTokens?: number;
}

export const USE_CASES: Readonly<Record<UseCase, Workload>> = {
  // Reading speed is ~5–10 tok/s; a chat turn carries history, so prompts are long-ish and answers several hundred tokens.
  chat: { context: 8192, promptTokens: 2000, outputTokens: 400, minTps: 10, maxTtftSec: 2 },
  // Inline completion: editor context of ~1.5k tokens, a few lines out, felt as lag above half a second.
  completion: { context: 4096, promptTokens: 1500, outputTokens: 64, minTps: 20, maxTtftSec: 0.5 },
  // One person at their own machine: chat-like turns, any GPU they can put on a desk (see suitability.ts).
  personal: { context: 8192, promptTokens: 1500, outputTokens: 400, minTps: 10, maxTtftSec: 2 },
};
