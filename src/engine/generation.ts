// What every text generation returns, and the bookkeeping shared by chat and completions:
// exact token counts from llama.cpp's own meter and callbacks, timings, finish reason.
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { GatewayError } from '../protocol/errors.js';
import type { FinishReason, Timings, ToolCall, Usage } from './openai-encode.js';

export interface GenerationResult {
  readonly text: string;
  readonly finish: FinishReason;
  readonly usage: Usage;
  readonly timings: Timings;
  readonly toolCalls: readonly ToolCall[];
  /** The client went away; the result is partial and nobody will read it. */
  readonly aborted: boolean;
}

/** Where a job gets its sequence, once it knows its prompt tokens (to pick a cached prefix). */
export interface SequenceSource {
  take(prompt: readonly Token[] | undefined): Promise<LlamaContextSequence>;
}

export type StopReason = 'eogToken' | 'stopGenerationTrigger' | 'customStopTrigger' | 'functionCalls' | 'maxTokens' | 'abort';

export function finishReason(stop: StopReason): FinishReason {
  if (stop === 'maxTokens') return 'length';
  if (stop === 'functionCalls') return 'tool_calls';
  return 'stop';
}

function evaluatedTokens(sequence: LlamaContextSequence): number {
  return sequence.tokenMeter.usedInputTokens + sequence.tokenMeter.usedOutputTokens;
}

/** Counts tokens as llama.cpp evaluates and samples them on one sequence. */
export class GenerationMeter {
  private readonly startedAt = performance.now();
  private firstTokenAt: number | undefined;
  private readonly inputBefore: number;
  generated = 0;

  constructor(private readonly sequence: LlamaContextSequence) {
    this.inputBefore = evaluatedTokens(sequence);
  }

  readonly onToken = (tokens: Token[]): void => {
    this.firstTokenAt ??= performance.now();
    this.generated += tokens.length;
  };

  /**
   * Without `prompt` the sequence started empty and the meter alone gives the prompt size (completions).
   * With it (chat: the rendered prompt and how much of it the sequence had cached), the prompt is known
   * and the reply is what was sampled, or what entered the context when more did: function calls are
   * generated under a grammar that bypasses onToken. A reply cut at max_tokens sampled one token more
   * than entered the context (the last one is never fed back), which onToken misses when the chat
   * wrapper held it back as the possible start of a stop string.
   */
  finish(prompt?: { readonly length: number; readonly cached: number; readonly hitMaxTokens?: boolean }): { usage: Usage; timings: Timings } {
    const end = performance.now();
    const first = this.firstTokenAt ?? end;
    let generated = this.generated;
    let promptTokens: number;
    let cachedTokens: number;
    if (prompt) {
      generated = Math.max(generated, this.sequence.contextTokens.length - prompt.length + (prompt.hitMaxTokens === true ? 1 : 0));
      promptTokens = prompt.length;
      cachedTokens = prompt.cached;
    } else {
      // The meter counts every token fed to the model (as input, or output when its logits were read):
      // the prompt plus each generated token fed back except the last one. Removing those leaves the prompt.
      const evaluated = evaluatedTokens(this.sequence) - this.inputBefore;
      promptTokens = Math.max(0, evaluated - Math.max(0, generated - 1));
      cachedTokens = 0;
    }
    return {
      usage: { promptTokens, completionTokens: generated, cachedTokens },
      timings: { promptN: promptTokens - cachedTokens, cacheN: cachedTokens, promptMs: first - this.startedAt, predictedN: generated, predictedMs: end - first },
    };
  }

}

/** llama.cpp's "does not fit" errors become the OpenAI context_length_exceeded 400. */
export function contextError(err: unknown, contextSize: number): GatewayError | undefined {
  const message = err instanceof Error ? err.message : String(err);
  if (!/context size|too long|context is full|not enough space|prompt has/i.test(message)) return undefined;
  return new GatewayError({
    status: 400,
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    param: 'messages',
    message: `The prompt does not fit in this model's context of ${contextSize} tokens per sequence (${message}).`,
  });
}
