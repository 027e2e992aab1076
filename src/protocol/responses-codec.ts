// OpenAI Responses API codec (POST /v1/responses): validates the body once and translates it into a
// chat completion (the canonical request). Replies are encoded back by responses-encode.ts.
import type { CanonicalRequest } from './canonical.js';
import { errors } from './errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { RequestMeta } from './openai-codec.js';
import { translatedChat } from './translated-chat.js';
import { isBool, isObject, isString, MAX_OUTPUT_TOKENS, optional, optionalNumber, requireString } from './validate.js';

/** Fields accepted with no effect on a self-hosted engine (hosted-API options, hints). */
const IGNORED = new Set(['reasoning', 'truncation', 'service_tier', 'prompt_cache_key', 'prompt_cache_retention', 'safety_identifier', 'stream_options', 'top_logprobs', 'max_tool_calls', 'client_metadata']);
const HANDLED = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_output_tokens', 'temperature', 'top_p',
  'text', 'metadata', 'user', 'stream', 'store', 'previous_response_id', 'include', 'background',
]);
const INCLUDES = new Set(['reasoning.encrypted_content', 'message.output_text.logprobs', 'message.input_image.image_url', 'computer_call_output.output.image_url']);

/** A validated Responses request, before a previous response (if any) is looked up. */
export interface ResponsesRequest {
  readonly body: JsonObject;
  readonly model: string;
  readonly stream: boolean;
  /** Keep the response for previous_response_id and GET (default true, as OpenAI). */
  readonly store: boolean;
  readonly previousId: string | undefined;
  /** Return reasoning items with `encrypted_content` (stateless clients such as Codex send them back). */
  readonly includeEncrypted: boolean;
  /** This request's input items, with ids (GET /v1/responses/{id}/input_items). */
  readonly inputItems: JsonObject[];
  /** This request's input as chat messages, without the instructions. */
  readonly messages: JsonObject[];
}

/** The conversation a stored response continues. */
export interface PreviousTurn {
  /** Chat messages up to and including that response's output, without instructions. */
  readonly context: JsonObject[];
}

function badType(field: string, expected: string): never {
  throw errors.invalidParam(field, `Invalid type for '${field}': expected ${expected}.`);
}

/** Text of a content part list (input_text / output_text), images as image_url parts. */
function contentParts(content: JsonValue | undefined, field: string): string | JsonObject[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) badType(field, 'a string or an array of content parts');
  const parts: JsonObject[] = [];
  content.forEach((p, j) => {
    const f = `${field}[${j}]`;
    if (!isJsonObject(p)) badType(f, 'an object');
    switch (p.type) {
      case 'input_text':
      case 'output_text':
      case 'text':
      case 'summary_text':
      case 'reasoning_text':
        if (typeof p.text !== 'string') badType(`${f}.text`, 'a string');
        parts.push({ type: 'text', text: p.text });
        return;
      case 'refusal':
        if (typeof p.refusal !== 'string') badType(`${f}.refusal`, 'a string');
        parts.push({ type: 'text', text: p.refusal });
        return;
      case 'input_image': {
        const url = p.image_url;
        if (typeof url !== 'string') throw errors.unsupported(`${f}.image_url`, 'Images must be given as image_url (a URL or data URL); file_id is not supported here.');
        parts.push({ type: 'image_url', image_url: { url, ...(typeof p.detail === 'string' ? { detail: p.detail } : {}) } });
        return;
      }
      default:
        throw errors.unsupported(`${f}.type`, `Content parts of type '${String(p.type)}' are not supported (input_text, output_text, refusal, input_image).`);
    }
  });
  // All-text content collapses to a string: every engine template takes that.
  return parts.every((p) => p.type === 'text') ? parts.map((p) => p.text as string).join('') : parts;
}

function outputText(output: JsonValue | undefined, field: string): string {
  if (typeof output === 'string') return output;
  const c = contentParts(output, field);
  return typeof c === 'string' ? c : JSON.stringify(c);
}

/** Input items → chat messages; consecutive function calls join one assistant message. */
function inputMessages(input: JsonValue, items: JsonObject[]): JsonObject[] {
  if (typeof input === 'string') {
    items.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] });
    return [{ role: 'user', content: input }];
  }
  if (!Array.isArray(input)) badType('input', 'a string or an array of input items');
  const out: JsonObject[] = [];
  input.forEach((item, i) => {
    const f = `input[${i}]`;
    if (!isJsonObject(item)) badType(f, 'an object');
    items.push(item);
    const type = item.type ?? (item.role !== undefined ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
          throw errors.invalidParam(`${f}.role`, `Invalid value for '${f}.role': expected user, assistant, system or developer.`);
        }
        // Engine chat templates know system, not developer.
        out.push({ role: role === 'developer' ? 'system' : role, content: contentParts(item.content, `${f}.content`) });
        return;
      }
      case 'function_call': {
        if (typeof item.call_id !== 'string' || !item.call_id) badType(`${f}.call_id`, 'a non-empty string');
        if (typeof item.name !== 'string' || !item.name) badType(`${f}.name`, 'a non-empty string');
        if (typeof item.arguments !== 'string') badType(`${f}.arguments`, 'a string of JSON');
        const call = { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } };
        const last = out[out.length - 1];
        if (last && last.role === 'assistant' && (Array.isArray(last.tool_calls) || typeof last.content === 'string')) {
          last.tool_calls = [...(Array.isArray(last.tool_calls) ? last.tool_calls : []), call];
        } else out.push({ role: 'assistant', content: null, tool_calls: [call] });
        return;
      }
      case 'function_call_output':
        if (typeof item.call_id !== 'string' || !item.call_id) badType(`${f}.call_id`, 'a non-empty string');
        out.push({ role: 'tool', tool_call_id: item.call_id, content: outputText(item.output, `${f}.output`) });
        return;
      case 'reasoning':
        // Engines' chat templates drop earlier turns' reasoning: accepted, not re-sent.
        if (item.summary !== undefined && !Array.isArray(item.summary)) badType(`${f}.summary`, 'an array');
        if (item.encrypted_content !== undefined && item.encrypted_content !== null && typeof item.encrypted_content !== 'string') badType(`${f}.encrypted_content`, 'a string');
        return;
      default:
        throw errors.unsupported(`${f}.type`, `Input items of type '${String(type)}' are not supported (message, function_call, function_call_output, reasoning).`);
    }
  });
  return out;
}

function chatTools(tools: JsonValue | undefined, field = 'tools'): JsonObject[] | undefined {
  if (tools === undefined || tools === null) return undefined;
  if (!Array.isArray(tools)) badType(field, 'an array');
  return tools.flatMap((t, i) => {
    const f = `${field}[${i}]`;
    if (!isJsonObject(t)) badType(f, 'an object');
    // A namespace groups function tools (Codex's sub-agent tools): the engine sees them as plain functions.
    if (t.type === 'namespace') return chatTools(t.tools, `${f}.tools`) ?? [];
    if (t.type !== 'function') {
      throw errors.unsupported(`${f}.type`, `The built-in tool '${String(t.type)}' is not available on this gateway: only function tools are (the model's own functions, run by the client).`);
    }
    if (typeof t.name !== 'string' || !t.name) badType(`${f}.name`, 'a non-empty string');
    if (t.parameters !== undefined && t.parameters !== null && !isJsonObject(t.parameters)) badType(`${f}.parameters`, 'a JSON Schema object');
    if (t.description !== undefined && t.description !== null && typeof t.description !== 'string') badType(`${f}.description`, 'a string');
    const fn: JsonObject = { name: t.name, parameters: isJsonObject(t.parameters) ? t.parameters : { type: 'object', properties: {} } };
    if (typeof t.description === 'string') fn.description = t.description;
    if (typeof t.strict === 'boolean') fn.strict = t.strict;
    return { type: 'function', function: fn };
  });
}

function chatToolChoice(choice: JsonValue | undefined): JsonValue | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (isJsonObject(choice) && choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  throw errors.unsupported('tool_choice', "'tool_choice' must be auto, none, required or {type: 'function', name}.");
}

function responseFormat(text: JsonValue | undefined): JsonObject | undefined {
  if (text === undefined || text === null) return undefined;
  if (!isJsonObject(text)) badType('text', 'an object');
  const format = text.format;
  if (format === undefined || format === null) return undefined;
  if (!isJsonObject(format)) badType('text.format', 'an object');
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') return { type: 'json_object' };
  if (format.type === 'json_schema') {
    if (typeof format.name !== 'string' || !format.name) badType('text.format.name', 'a non-empty string');
    if (!isJsonObject(format.schema)) badType('text.format.schema', 'a JSON Schema object');
    const js: JsonObject = { name: format.name, schema: format.schema };
    if (typeof format.strict === 'boolean') js.strict = format.strict;
    if (typeof format.description === 'string') js.description = format.description;
    return { type: 'json_schema', json_schema: js };
  }
  throw errors.invalidParam('text.format.type', "Invalid value for 'text.format.type': expected text, json_object or json_schema.");
}

export function parseResponsesRequest(json: unknown, storeByDefault: boolean): ResponsesRequest {
  if (!isJsonObject(json)) throw errors.invalidParam('body', 'The request body must be a JSON object.');
  for (const k of Object.keys(json)) {
    if (!HANDLED.has(k) && !IGNORED.has(k)) throw errors.unsupported(k, `Unsupported parameter: '${k}' is not supported by this gateway's Responses API.`);
  }
  const model = requireString(json, 'model');
  if (json.input === undefined || json.input === null) throw errors.missingParam('input');
  optional(json, 'instructions', isString, 'a string');
  optional(json, 'stream', isBool, 'a boolean');
  optional(json, 'store', isBool, 'a boolean');
  optional(json, 'parallel_tool_calls', isBool, 'a boolean');
  optional(json, 'metadata', isObject, 'an object');
  optional(json, 'user', isString, 'a string');
  optional(json, 'previous_response_id', isString, 'a string');
  optional(json, 'reasoning', isObject, 'an object');
  optionalNumber(json, 'temperature', 0, 2);
  optionalNumber(json, 'top_p', 0, 1);
  optionalNumber(json, 'top_logprobs', 0, 20, true);
  optionalNumber(json, 'max_tool_calls', 1, 1_000, true);
  const maxOutput = optionalNumber(json, 'max_output_tokens', 1, MAX_OUTPUT_TOKENS, true);
  if (json.background === true) throw errors.unsupported('background', 'Background responses are not supported: use stream or wait for the answer.');
  if (isJsonObject(json.metadata)) {
    for (const [k, v] of Object.entries(json.metadata)) if (typeof v !== 'string') badType(`metadata.${k}`, 'a string');
  }
  let includeEncrypted = false;
  if (json.include !== undefined && json.include !== null) {
    if (!Array.isArray(json.include)) badType('include', 'an array of strings');
    json.include.forEach((v, i) => {
      if (typeof v !== 'string' || !INCLUDES.has(v)) throw errors.invalidParam(`include[${i}]`, `Invalid value for 'include[${i}]': ${JSON.stringify(v)}.`);
      if (v === 'reasoning.encrypted_content') includeEncrypted = true;
    });
  }
  const inputItems: JsonObject[] = [];
  const messages = inputMessages(json.input, inputItems);
  const body: JsonObject = { model };
  const tools = chatTools(json.tools);
  if (tools && tools.length > 0) body.tools = tools;
  const toolChoice = chatToolChoice(json.tool_choice);
  if (toolChoice !== undefined && tools && tools.length > 0) body.tool_choice = toolChoice;
  if (typeof json.parallel_tool_calls === 'boolean' && tools && tools.length > 0) body.parallel_tool_calls = json.parallel_tool_calls;
  if (maxOutput !== undefined) body.max_tokens = maxOutput;
  if (typeof json.temperature === 'number') body.temperature = json.temperature;
  if (typeof json.top_p === 'number') body.top_p = json.top_p;
  if (typeof json.user === 'string') body.user = json.user;
  const rf = responseFormat(json.text);
  if (rf) body.response_format = rf;
  return {
    body,
    model,
    stream: json.stream === true,
    store: typeof json.store === 'boolean' ? json.store && storeByDefault : storeByDefault,
    previousId: typeof json.previous_response_id === 'string' ? json.previous_response_id : undefined,
    includeEncrypted,
    inputItems,
    messages,
  };
}

/** The chat completion the engine runs: instructions, the previous conversation, this input. */
export function responsesCanonical(r: ResponsesRequest, json: JsonObject, previous: PreviousTurn | undefined, meta: RequestMeta, model: string): CanonicalRequest {
  const messages: JsonObject[] = [];
  if (typeof json.instructions === 'string' && json.instructions) messages.push({ role: 'system', content: json.instructions });
  if (previous) messages.push(...previous.context);
  messages.push(...r.messages);
  if (messages.length === 0) throw errors.invalidParam('input', "'input' must not be empty.");
  const body: JsonObject = { ...r.body, model, messages, stream: r.stream };
  return translatedChat('responses', meta, model, body, typeof r.body.max_tokens === 'number' ? r.body.max_tokens : undefined);
}
