// A text completion on one sequence; with a `suffix` it is fill-in-the-middle, built by
// node-llama-cpp from the model's FIM tokens.
import type { Token } from 'node-llama-cpp';
import { errors } from '../protocol/errors.js';
import { contextError, finishReason, GenerationMeter, type GenerationResult, type SequenceSource } from './generation.js';
import type { LoadedModel } from './loaded-model.js';
import type { ResponseFormat, SamplingOptions } from './request-options.js';

export interface CompletionInput {
  readonly prompt: string | Token[];
  readonly suffix: string | undefined;
  readonly sampling: SamplingOptions;
  readonly format: ResponseFormat;
  readonly signal: AbortSignal;
  readonly onText: ((text: string) => void) | undefined;
}

export async function runCompletion(m: LoadedModel, sequences: SequenceSource, input: CompletionInput): Promise<GenerationResult> {
  const { LlamaCompletion } = await import('node-llama-cpp');
  const grammar = await m.grammar(input.format);
  // Completions start from an empty sequence so the token meter sees the whole prompt (exact usage).
  const sequence = await sequences.take(undefined);
  if (sequence.contextTokens.length > 0) await sequence.clearHistory();
  const completion = new LlamaCompletion({ contextSequence: sequence, autoDisposeSequence: false });
  if (input.suffix !== undefined && !completion.infillSupported) {
    completion.dispose({ disposeSequence: false });
    throw errors.unsupported('suffix', `Model '${m.info.name}' has no fill-in-the-middle tokens, so 'suffix' is not supported.`);
  }
  const meter = new GenerationMeter(sequence);
  const s = input.sampling;
  const options = {
    ...(s.maxTokens !== undefined ? { maxTokens: s.maxTokens } : {}),
    temperature: s.temperature,
    ...(s.topP !== undefined ? { topP: s.topP } : {}),
    ...(s.seed !== undefined ? { seed: s.seed } : {}),
    ...(s.stop.length > 0 ? { customStopTriggers: s.stop } : {}),
    ...(grammar ? { grammar } : {}),
    disableContextShift: true,
    signal: input.signal,
    stopOnAbortSignal: true,
    onToken: meter.onToken,
    ...(input.onText ? { onTextChunk: input.onText } : {}),
  };
  try {
    const res =
      input.suffix !== undefined
        ? await completion.generateInfillCompletionWithMeta(input.prompt, input.suffix, options)
        : await completion.generateCompletionWithMeta(input.prompt, options);
    const { usage, timings } = meter.finish();
    return { text: res.response, finish: finishReason(res.metadata.stopReason), usage, timings, toolCalls: [], aborted: res.metadata.stopReason === 'abort' || input.signal.aborted };
  } catch (err) {
    if (input.signal.aborted) {
      const { usage, timings } = meter.finish();
      return { text: '', finish: 'stop', usage, timings, toolCalls: [], aborted: true };
    }
    throw contextError(err, sequence.contextSize) ?? err;
  } finally {
    completion.dispose({ disposeSequence: false });
  }
}
