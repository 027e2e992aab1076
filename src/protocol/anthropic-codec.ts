// Anthropic Messages API codec (POST /v1/messages, /v1/messages/count_tokens): validates the body
// once and translates it into a chat completion (the canonical request); errors in Anthropic's shape.
import type { CanonicalRequest } from './canonical.js';
import { errors, type GatewayError } from './errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { RequestMeta } from './openai-codec.js';
import { translatedChat } from './translated-chat.js';
import { messagesText, withTools } from './prompt-text.js';
import { isBool, isObject, isString, MAX_OUTPUT_TOKENS, optional, optionalNumber, requireString } from './validate.js';

const HANDLED = new Set(['model', 'messages', 'system', 'max_tokens', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k', 'tools', 'tool_choice']);
/** Accepted with no effect on a self-hosted engine. */
const IGNORED = new Set(['thinking', 'service_tier', 'context_management', 'output_format', 'output_config', 'betas']);
const COUNT_FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'context_management', 'output_format', 'output_config', 'betas']);

function badType(field: string, expected: string): never {
  throw errors.invalidParam(field, `${field}: Input should be ${expected}`);
}

function textOfBlocks(blocks: JsonValue | undefined, field: string): string {
  if (typeof blocks === 'string') return blocks;
  if (!Array.isArray(blocks)) badType(field, 'a string or an array of text blocks');
  return blocks
    .map((b, j) => {
      if (!isJsonObject(b) || b.type !== 'text' || typeof b.text !== 'string') badType(`${field}.${j}`, "a text block ({type: 'text', text})");
      return b.text;
    })
    .join('\n');
}

function imagePart(b: JsonObject, field: string): JsonObject {
  const src = b.source;
  if (!isJsonObject(src)) badType(`${field}.source`, 'an object');
  if (src.type === 'base64') {
    if (typeof src.media_type !== 'string' || typeof src.data !== 'string') badType(`${field}.source`, 'a base64 source with media_type and data');
    return { type: 'image_url', image_url: { url: `data:${src.media_type};base64,${src.data}` } };
  }
  if (src.type === 'url' && typeof src.url === 'string') return { type: 'image_url', image_url: { url: src.url } };
  throw errors.unsupported(`${field}.source.type`, `Image sources of type '${String(src.type)}' are not supported (base64, url).`);
}

/** Text and images of a user turn or a tool result, as chat content. */
function userContent(parts: JsonObject[]): string | JsonObject[] {
  return parts.every((p) => p.type === 'text') ? parts.map((p) => p.text as string).join('') : parts;
}

function toolResultContent(content: JsonValue | undefined, field: string): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) badType(field, 'a string or an array of blocks');
  const parts = content.map((b, j): JsonObject => {
    if (!isJsonObject(b)) badType(`${field}.${j}`, 'an object');
    if (b.type === 'text' && typeof b.text === 'string') return { type: 'text', text: b.text };
    if (b.type === 'image') return imagePart(b, `${field}.${j}`);
    throw errors.unsupported(`${field}.${j}.type`, `Tool result blocks of type '${String(b.type)}' are not supported (text, image).`);
  });
  const c = userContent(parts);
  return typeof c === 'string' ? c : JSON.stringify(c);
}

/** One Messages turn → chat messages (tool results become tool messages before the user's text). */
function turnMessages(m: JsonValue, i: number, out: JsonObject[]): void {
  const f = `messages.${i}`;
  if (!isJsonObject(m)) badType(f, 'an object');
  if (m.role !== 'user' && m.role !== 'assistant') throw errors.invalidParam(`${f}.role`, `${f}.role: Input should be 'user' or 'assistant'`);
  const content = m.content;
  if (typeof content === 'string') {
    out.push({ role: m.role, content });
    return;
  }
  if (!Array.isArray(content)) badType(`${f}.content`, 'a string or an array of content blocks');
  const parts: JsonObject[] = [];
  const calls: JsonObject[] = [];
  content.forEach((b, j) => {
    const bf = `${f}.content.${j}`;
    if (!isJsonObject(b)) badType(bf, 'an object');
    switch (b.type) {
      case 'text':
        if (typeof b.text !== 'string') badType(`${bf}.text`, 'a valid string');
        parts.push({ type: 'text', text: b.text });
        return;
      case 'image':
        parts.push(imagePart(b, bf));
        return;
      case 'tool_use':
        if (m.role !== 'assistant') throw errors.invalidParam(`${bf}.type`, `${bf}.type: tool_use blocks belong to assistant turns`);
        if (typeof b.id !== 'string' || !b.id) badType(`${bf}.id`, 'a non-empty string');
        if (typeof b.name !== 'string' || !b.name) badType(`${bf}.name`, 'a non-empty string');
        if (!isJsonObject(b.input)) badType(`${bf}.input`, 'an object');
        calls.push({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } });
        return;
      case 'tool_result':
        if (m.role !== 'user') throw errors.invalidParam(`${bf}.type`, `${bf}.type: tool_result blocks belong to user turns`);
        if (typeof b.tool_use_id !== 'string' || !b.tool_use_id) badType(`${bf}.tool_use_id`, 'a non-empty string');
        optional(b, 'is_error', isBool, 'a boolean');
        out.push({ role: 'tool', tool_call_id: b.tool_use_id, content: toolResultContent(b.content, `${bf}.content`) });
        return;
      case 'thinking':
      case 'redacted_thinking':
        // Engines' chat templates drop earlier turns' reasoning: accepted, not re-sent.
        return;
      default:
        throw errors.unsupported(`${bf}.type`, `${bf}.type: content blocks of type '${String(b.type)}' are not supported (text, image, tool_use, tool_result, thinking).`);
    }
  });
  if (m.role === 'assistant') {
    const text = parts.map((p) => (typeof p.text === 'string' ? p.text : '')).join('');
    if (calls.length > 0) out.push({ role: 'assistant', content: text || null, tool_calls: calls });
    else out.push({ role: 'assistant', content: text });
  } else if (parts.length > 0) {
    out.push({ role: 'user', content: userContent(parts) });
  }
}

function chatTools(tools: JsonValue | undefined): JsonObject[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) badType('tools', 'a valid list');
  return tools.map((t, i) => {
    const f = `tools.${i}`;
    if (!isJsonObject(t)) badType(f, 'an object');
    if (t.type !== undefined && t.type !== null && t.type !== 'custom') {
      throw errors.unsupported(`${f}.type`, `${f}.type: the server tool '${String(t.type)}' is not available on this gateway; only client tools (name, input_schema) are.`);
    }
    if (typeof t.name !== 'string' || !t.name) badType(`${f}.name`, 'a non-empty string');
    if (!isJsonObject(t.input_schema)) badType(`${f}.input_schema`, 'a JSON Schema object');
    const fn: JsonObject = { name: t.name, parameters: t.input_schema };
    if (typeof t.description === 'string') fn.description = t.description;
    return { type: 'function', function: fn };
  });
}

function toolChoice(choice: JsonValue | undefined, body: JsonObject): void {
  if (choice === undefined || choice === null) return;
  if (!isJsonObject(choice)) badType('tool_choice', 'an object');
  if (choice.disable_parallel_tool_use === true) body.parallel_tool_calls = false;
  switch (choice.type) {
    case 'auto':
      body.tool_choice = 'auto';
      return;
    case 'any':
      body.tool_choice = 'required';
      return;
    case 'none':
      body.tool_choice = 'none';
      return;
    case 'tool':
      if (typeof choice.name !== 'string' || !choice.name) badType('tool_choice.name', 'a non-empty string');
      body.tool_choice = { type: 'function', function: { name: choice.name } };
      return;
    default:
      throw errors.invalidParam('tool_choice.type', "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'");
  }
}

function checkFields(json: JsonObject, allowed: (k: string) => boolean): void {
  for (const k of Object.keys(json)) {
    if (!allowed(k)) throw errors.unsupported(k, `${k}: Extra inputs are not permitted`);
  }
}

/** system + messages + tools as a chat body (shared by messages and count_tokens). */
function chatConversation(json: JsonObject, body: JsonObject): JsonObject[] {
  const messages = json.messages;
  if (messages === undefined || messages === null) throw errors.missingParam('messages');
  if (!Array.isArray(messages)) badType('messages', 'a valid list');
  const out: JsonObject[] = [];
  if (json.system !== undefined && json.system !== null) {
    const system = textOfBlocks(json.system, 'system');
    if (system) out.push({ role: 'system', content: system });
  }
  messages.forEach((m, i) => turnMessages(m, i, out));
  if (out.length === 0) throw errors.invalidParam('messages', 'messages: at least one message is required');
  const tools = chatTools(json.tools);
  if (tools && tools.length > 0) {
    body.tools = tools;
    toolChoice(json.tool_choice, body);
  }
  return out;
}

export interface MessagesRequest {
  readonly request: CanonicalRequest;
  /** stop_sequences as given, to name the one that stopped generation. */
  readonly stopSequences: readonly string[];
}

export function parseMessagesRequest(json: unknown, meta: RequestMeta, resolveModel: (name: string) => string): MessagesRequest {
  if (!isJsonObject(json)) throw errors.invalidParam('body', 'The request body must be a JSON object.');
  checkFields(json, (k) => HANDLED.has(k) || IGNORED.has(k));
  const clientModel = requireString(json, 'model');
  const model = resolveModel(clientModel);
  if (json.max_tokens === undefined || json.max_tokens === null) throw errors.missingParam('max_tokens');
  const maxTokens = optionalNumber(json, 'max_tokens', 1, MAX_OUTPUT_TOKENS, true) as number;
  optional(json, 'stream', isBool, 'a boolean');
  optional(json, 'metadata', isObject, 'an object');
  const temperature = optionalNumber(json, 'temperature', 0, 1);
  const topP = optionalNumber(json, 'top_p', 0, 1);
  const topK = optionalNumber(json, 'top_k', 0, 1_000_000, true);
  let stopSequences: string[] = [];
  if (json.stop_sequences !== undefined && json.stop_sequences !== null) {
    if (!Array.isArray(json.stop_sequences) || !json.stop_sequences.every((s): s is string => typeof s === 'string')) badType('stop_sequences', 'a list of strings');
    if (json.stop_sequences.length > 64) throw errors.invalidParam('stop_sequences', 'stop_sequences: at most 64 are allowed');
    stopSequences = json.stop_sequences;
  }
  let user: string | undefined;
  if (isJsonObject(json.metadata)) {
    optional(json.metadata, 'user_id', isString, 'a string');
    if (typeof json.metadata.user_id === 'string') user = json.metadata.user_id;
  }
  const stream = json.stream === true;
  const body: JsonObject = { model, max_tokens: maxTokens, stream };
  const messages = chatConversation(json, body);
  body.messages = messages;
  if (temperature !== undefined) body.temperature = temperature;
  if (topP !== undefined) body.top_p = topP;
  if (topK !== undefined) body.top_k = topK;
  if (stopSequences.length > 0) body.stop = stopSequences;
  if (user !== undefined) body.user = user;
  return { stopSequences, request: translatedChat('anthropic', meta, model, body, maxTokens) };
}

/** count_tokens: the chat body (messages and tools) whose prompt is to be counted. */
export function parseCountTokensRequest(json: unknown, resolveModel: (name: string) => string): { model: string; body: JsonObject; promptChars: number; promptParts: number } {
  if (!isJsonObject(json)) throw errors.invalidParam('body', 'The request body must be a JSON object.');
  checkFields(json, (k) => COUNT_FIELDS.has(k));
  const model = resolveModel(requireString(json, 'model'));
  const body: JsonObject = { model };
  const messages = chatConversation(json, body);
  body.messages = messages;
  const text = withTools(messagesText(messages), body.tools);
  return { model, body, promptChars: text.chars, promptParts: text.parts };
}

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
};

export function anthropicErrorType(status: number): string {
  return errorTypes[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export function anthropicErrorBody(err: GatewayError): string {
  return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(err.status), message: err.message } });
}
