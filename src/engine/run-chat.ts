// A chat completion on one sequence with LlamaChat: the GGUF's template renders the history,
// stop strings, grammar (response_format) and functions (tools) are enforced by node-llama-cpp.
import { randomBytes } from 'node:crypto';
import type { ChatModelFunctions, ChatWrapper, GbnfJsonSchema, LlamaText as LlamaTextClass } from 'node-llama-cpp';
import { errors } from '../protocol/errors.js';
import type { ChatPrompt } from './chat-messages.js';
import { contextError, finishReason, GenerationMeter, type GenerationResult, type SequenceSource } from './generation.js';
import type { LoadedModel } from './loaded-model.js';
import type { ToolCall } from './openai-encode.js';
import type { ResponseFormat, SamplingOptions, ToolDefinition } from './request-options.js';

export interface ChatInput {
  readonly prompt: ChatPrompt;
  readonly sampling: SamplingOptions;
  readonly format: ResponseFormat;
  readonly tools: readonly ToolDefinition[];
  /** tool_choice 'required' or a named function: the reply starts with a call. */
  readonly forceCall: boolean;
  /** parallel_tool_calls: false → 1. */
  readonly maxParallelCalls: number | undefined;
  readonly signal: AbortSignal;
  readonly onText: ((text: string) => void) | undefined;
}

export function functionsFor(tools: readonly ToolDefinition[]): ChatModelFunctions | undefined {
  if (tools.length === 0) return undefined;
  const out: Record<string, { description?: string; params?: GbnfJsonSchema }> = {};
  for (const t of tools) {
    out[t.name] = {
      ...(t.description !== undefined ? { description: t.description } : {}),
      ...(t.parameters !== undefined ? { params: t.parameters as GbnfJsonSchema } : {}),
    };
  }
  return out;
}

/**
 * The model's chat wrapper, except that after the prompt node-llama-cpp enters function-calling mode at
 * once: it writes the template's call prefix and generates a function name and arguments under its
 * grammar, so the reply is a call that parses against the tool's schema (tool_choice 'required').
 */
function callFirst(wrapper: ChatWrapper, LlamaText: typeof LlamaTextClass): ChatWrapper {
  return new Proxy(wrapper, {
    get(target, prop, receiver) {
      if (prop !== 'generateContextState') return Reflect.get(target, prop, receiver) as unknown;
      return (options: Parameters<ChatWrapper['generateContextState']>[0]) => ({
        ...target.generateContextState(options),
        prefixTriggers: undefined,
        noPrefixTrigger: { type: 'functionCall', inject: LlamaText('') },
        detectFunctionCalls: false,
      });
    },
  });
}

export async function runChat(m: LoadedModel, sequences: SequenceSource, input: ChatInput): Promise<GenerationResult> {
  const { LlamaChat, LlamaText } = await import('node-llama-cpp');
  const grammar = await m.grammar(input.format);
  const functions = functionsFor(input.tools);
  if (grammar && functions) throw errors.unsupported('response_format', 'response_format and tools cannot be combined on the embedded engine.');
  const chatWrapper = functions && input.forceCall ? callFirst(m.chatWrapper, LlamaText) : m.chatWrapper;
  const s = input.sampling;
  // The prompt as LlamaChat will evaluate it: picks the sequence with the longest cached prefix, counts usage.
  const rendered = m.chatWrapper.generateContextState({ chatHistory: input.prompt.history, ...(functions ? { availableFunctions: functions } : {}) });
  const promptTokens = rendered.contextText.tokenize(m.model.tokenizer);
  const promptLength = promptTokens.length;
  // LlamaChat shifts the context when it fills up (forgetting the prompt); cap the reply to the room left instead.
  const room = m.context.contextSize - promptLength;
  if (room < 1) throw contextError(new Error(`the prompt has ${promptLength} tokens`), m.context.contextSize);
  const sequence = await sequences.take(promptTokens);
  // LlamaChat keeps the shared prefix and evaluates the rest (at least one token, for the logits).
  const cached = Math.min(sequence.compareContextTokens(promptTokens).firstDifferentIndex, promptLength - 1);
  const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
  const meter = new GenerationMeter(sequence);
  try {
    const common = {
      maxTokens: Math.min(s.maxTokens ?? room, room),
      temperature: s.temperature,
      ...(s.topP !== undefined ? { topP: s.topP } : {}),
      ...(s.seed !== undefined ? { seed: s.seed } : {}),
      ...(s.stop.length > 0 ? { customStopTriggers: s.stop } : {}),
      signal: input.signal,
      stopOnAbortSignal: true,
      onToken: meter.onToken,
      ...(input.onText ? { onTextChunk: input.onText } : {}),
    };
    const res = functions
      ? await chat.generateResponse(input.prompt.history, { ...common, functions, ...(input.maxParallelCalls !== undefined ? { maxParallelFunctionCalls: input.maxParallelCalls } : {}) })
      : await chat.generateResponse(input.prompt.history, { ...common, ...(grammar ? { grammar } : {}) });
    const calls = res.functionCalls ?? [];
    const toolCalls: ToolCall[] = calls.map((c) => ({
      id: `call_${randomBytes(12).toString('hex')}`,
      name: c.functionName,
      arguments: JSON.stringify(c.params ?? {}),
    }));
    const { usage, timings } = meter.finish({ length: promptLength, cached, hitMaxTokens: res.metadata.stopReason === 'maxTokens' });
    const finish = toolCalls.length > 0 ? 'tool_calls' : finishReason(res.metadata.stopReason);
    return { text: res.response, finish, usage, timings, toolCalls, aborted: res.metadata.stopReason === 'abort' || input.signal.aborted };
  } catch (err) {
    if (input.signal.aborted) {
      const { usage, timings } = meter.finish({ length: promptLength, cached });
      return { text: '', finish: 'stop', usage, timings, toolCalls: [], aborted: true };
    }
    throw contextError(err, sequence.contextSize) ?? err;
  } finally {
    chat.dispose({ disposeSequence: false });
  }
}
