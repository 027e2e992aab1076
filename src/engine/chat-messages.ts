// OpenAI chat messages → node-llama-cpp chat history (which its chat wrappers render with the
// template from the GGUF). A trailing assistant message is a prefill the model continues.
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from 'node-llama-cpp';
import { errors } from '../protocol/errors.js';
import { isJsonObject, type JsonValue } from '../protocol/json.js';

function textContent(content: JsonValue | undefined, index: number): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        if (isJsonObject(part) && part.type === 'text' && typeof part.text === 'string') return part.text;
        const kind = isJsonObject(part) && typeof part.type === 'string' ? part.type : typeof part;
        throw errors.unsupported(`messages[${index}].content[${j}]`, `Content parts of type '${kind}' are not supported by the embedded engine (text only).`);
      })
      .join('');
  }
  throw errors.invalidParam(`messages[${index}].content`, 'Message content must be a string or an array of text parts.');
}

function parseArguments(raw: JsonValue | undefined): JsonValue {
  if (typeof raw !== 'string') return raw ?? null;
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return raw;
  }
}

export interface ChatPrompt {
  readonly history: ChatHistoryItem[];
  /** Whether the last message was an assistant prefill (then the reply continues it). */
  readonly prefill: boolean;
}

export function chatHistory(messages: JsonValue | undefined): ChatPrompt {
  if (!Array.isArray(messages) || messages.length === 0) throw errors.invalidParam('messages', "'messages' must be a non-empty array.");
  const history: ChatHistoryItem[] = [];
  let lastRole: JsonValue | undefined;
  const pendingCalls = new Map<string, ChatModelFunctionCall>();
  messages.forEach((m, i) => {
    if (!isJsonObject(m)) throw errors.invalidParam(`messages[${i}]`, 'Each message must be an object.');
    const role = m.role;
    lastRole = role;
    if (role === 'system' || role === 'developer') {
      history.push({ type: 'system', text: textContent(m.content, i) });
    } else if (role === 'user') {
      history.push({ type: 'user', text: textContent(m.content, i) });
    } else if (role === 'assistant') {
      const response: ChatModelResponse['response'] = [];
      const text = textContent(m.content, i);
      if (text) response.push(text);
      if (Array.isArray(m.tool_calls)) {
        for (const call of m.tool_calls) {
          const fn = isJsonObject(call) ? call.function : undefined;
          if (!isJsonObject(call) || !isJsonObject(fn) || typeof fn.name !== 'string') {
            throw errors.invalidParam(`messages[${i}].tool_calls`, 'Each tool call needs function.name and function.arguments.');
          }
          const fc: ChatModelFunctionCall = { type: 'functionCall', name: fn.name, params: parseArguments(fn.arguments), result: null };
          if (typeof call.id === 'string') pendingCalls.set(call.id, fc);
          response.push(fc);
        }
      }
      history.push({ type: 'model', response });
    } else if (role === 'tool') {
      const id = m.tool_call_id;
      const call = typeof id === 'string' ? pendingCalls.get(id) : undefined;
      if (!call) throw errors.invalidParam(`messages[${i}].tool_call_id`, 'A tool message must answer a tool_call_id of an earlier assistant message.');
      call.result = parseArguments(textContent(m.content, i));
    } else {
      throw errors.invalidParam(`messages[${i}].role`, `Unknown role '${String(role)}' (system, developer, user, assistant, tool).`);
    }
  });
  const prefill = lastRole === 'assistant';
  if (!prefill) history.push({ type: 'model', response: [] });
  return { history, prefill };
}
