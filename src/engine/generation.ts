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
   * `promptLength` is the prompt's token count when known: what the meter did not see of it was
   * served from the sequence's cache. Without it the sequence must have started empty.
   */
  finish(promptLength?: number): { usage: Usage; timings: Timings } {
    const end = performance.now();
    const first = this.firstTokenAt ?? end;
    // The meter counts every token fed to the model (as input, or output when its logits were read):
    // the prompt plus each generated token fed back except the last one. Removing those leaves the prompt.
    const evaluated = evaluatedTokens(this.sequence) - this.inputBefore;
    const promptEvaluated = Math.max(0, evaluated - Math.max(0, this.generated - 1));
    const promptTokens = Math.max(promptLength ?? promptEvaluated, promptEvaluated);
    const cachedTokens = promptTokens - promptEvaluated;
    return {
      usage: { promptTokens, completionTokens: this.generated, cachedTokens },
      timings: { promptN: promptEvaluated, cacheN: cachedTokens, promptMs: first - this.startedAt, predictedN: this.generated, predictedMs: end - first },
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
