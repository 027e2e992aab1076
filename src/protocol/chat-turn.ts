// One assistant turn as an engine's chat completion gives it: reasoning, text, tool calls, why it
// ended and the usage. The Responses and Messages codecs build their replies from it, streamed or not.
import { isJsonObject, type JsonObject } from './json.js';
import type { UsageCounts } from './sse.js';
import { splitThink } from './think-split.js';

export interface TurnToolCall {
  id: string;
  name: string;
  /** The arguments as JSON text. */
  arguments: string;
}

export interface ChatTurn {
  reasoning: string;
  text: string;
  toolCalls: TurnToolCall[];
  /** OpenAI finish_reason: stop, length, tool_calls, content_filter. */
  finish: string | undefined;
  /** The stop string that ended generation, when the engine says (vLLM's `stop_reason`). */
  stopString: string | undefined;
  usage: UsageCounts | undefined;
}

export function emptyTurn(): ChatTurn {
  return { reasoning: '', text: '', toolCalls: [], finish: undefined, stopString: undefined, usage: undefined };
}

/** The turn of a non-streamed chat completion. */
export function turnFromCompletion(json: JsonObject): ChatTurn {
  const turn = emptyTurn();
  if (isJsonObject(json.usage)) turn.usage = json.usage as UsageCounts;
  const choice = Array.isArray(json.choices) && isJsonObject(json.choices[0]) ? json.choices[0] : undefined;
  if (!choice) return turn;
  if (typeof choice.finish_reason === 'string') turn.finish = choice.finish_reason;
  if (typeof choice.stop_reason === 'string') turn.stopString = choice.stop_reason;
  const m = isJsonObject(choice.message) ? choice.message : {};
  const reasoning = typeof m.reasoning_content === 'string' ? m.reasoning_content : typeof m.reasoning === 'string' ? m.reasoning : '';
  const content = typeof m.content === 'string' ? m.content : '';
  const split = reasoning ? { reasoning, text: content } : splitThink(content);
  turn.reasoning = split.reasoning;
  turn.text = split.text;
  if (Array.isArray(m.tool_calls)) {
    for (const tc of m.tool_calls) {
      if (!isJsonObject(tc)) continue;
      const fn = isJsonObject(tc.function) ? tc.function : {};
      turn.toolCalls.push({
        id: typeof tc.id === 'string' ? tc.id : `call_${turn.toolCalls.length}`,
        name: typeof fn.name === 'string' ? fn.name : '',
        arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}),
      });
    }
  }
  return turn;
}

/** The engine's own error message in a stream event, if the event is one. */
export function streamError(json: JsonObject): string | undefined {
  if (isJsonObject(json.error)) return typeof json.error.message === 'string' ? json.error.message : 'upstream error';
  if (typeof json.error === 'string') return json.error;
  return undefined;
}
