// Ollama API codec: translates /api/chat, /api/generate and /api/embed requests into the canonical
// (OpenAI-shaped) request. Replies are translated back by the Ollama relay.
import type { CanonicalRequest, Endpoint } from './canonical.js';
import { errors, type GatewayError } from './errors.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { RequestMeta } from './openai-codec.js';
import { parseKeepAlive as parseDuration } from '../engine/keep-alive.js';
import { inputText, messagesText, withTools } from './prompt-text.js';
import { isArray, isBool, isObject, isString, MAX_OUTPUT_TOKENS, optional, optionalNumber, requireString } from './validate.js';

export type OllamaRoute = 'chat' | 'generate' | 'embed' | 'embeddings';

/** How an Ollama request was mapped, for translating the reply back. */
export interface OllamaShape {
  readonly route: OllamaRoute;
  /** The model name as the client wrote it (echoed in replies). */
  readonly clientModel: string;
}

/** Longest keep_alive accepted (a century): beyond it only overflow lives. */
const MAX_KEEP_ALIVE_MS = 100 * 365 * 86_400_000;

/** Parses Ollama's keep_alive ("5m", "1h30m", 300, "0", -1) into milliseconds; -1 = forever. */
export function parseKeepAlive(v: JsonValue | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' && typeof v !== 'string') {
    throw errors.invalidParam('keep_alive', "Invalid 'keep_alive': expected a duration such as \"5m\" or a number of seconds.");
  }
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch {
    throw errors.invalidParam('keep_alive', `Invalid 'keep_alive' duration '${String(v)}'.`);
  }
  const forever = typeof v === 'number' ? v < 0 : v.trim().startsWith('-');
  if (forever) return -1;
  if (!(ms <= MAX_KEEP_ALIVE_MS)) throw errors.invalidParam('keep_alive', `Invalid value for 'keep_alive': '${String(v)}' is longer than 100 years (use -1 to keep the model loaded).`);
  return ms;
}

/** Ollama's numeric options: [min, max, integer, the OpenAI field it becomes (absent: engine-side only)]. */
const optionFields: Readonly<Record<string, readonly [number, number, boolean, string?]>> = {
  num_predict: [-2, MAX_OUTPUT_TOKENS, true],
  num_ctx: [1, MAX_OUTPUT_TOKENS, true],
  num_keep: [-1, MAX_OUTPUT_TOKENS, true],
  num_batch: [1, MAX_OUTPUT_TOKENS, true],
  num_gpu: [-1, 1_000_000, true],
  main_gpu: [0, 1_000_000, true],
  num_thread: [0, 1_000_000, true],
  repeat_last_n: [-1, MAX_OUTPUT_TOKENS, true],
  temperature: [0, 100, false, 'temperature'],
  top_p: [0, 1, false, 'top_p'],
  top_k: [-1, 1_000_000, true, 'top_k'],
  min_p: [0, 1, false, 'min_p'],
  typical_p: [0, 1, false],
  tfs_z: [0, 100, false],
  seed: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true, 'seed'],
  presence_penalty: [-2, 2, false, 'presence_penalty'],
  frequency_penalty: [-2, 2, false, 'frequency_penalty'],
  repeat_penalty: [0, 100, false, 'repetition_penalty'],
  mirostat: [0, 2, true],
  mirostat_tau: [0, 100, false],
  mirostat_eta: [0, 100, false],
};

/** Ollama `options` → OpenAI sampling fields (engine extras like top_k pass through as vLLM accepts them). */
function samplingFromOptions(options: JsonValue | undefined, out: JsonObject): void {
  if (options === undefined || options === null) return;
  if (!isJsonObject(options)) throw errors.invalidParam('options', "Invalid type for 'options': expected an object.");
  for (const [name, [min, max, integer, to]] of Object.entries(optionFields)) {
    const v = optionalNumber(options, name, min, max, integer, `options.${name}`);
    if (v !== undefined && to) out[to] = v;
  }
  // -1 (until the context is full) and -2 (fill it) set no bound: the gateway's default applies.
  const predict = options.num_predict;
  if (typeof predict === 'number' && predict > 0) out.max_tokens = predict;
  const stop = options.stop;
  if (stop !== undefined && stop !== null) {
    if (!(typeof stop === 'string' || (Array.isArray(stop) && stop.every((s) => typeof s === 'string')))) {
      throw errors.invalidParam('options.stop', "Invalid type for 'options.stop': expected a string or an array of strings.");
    }
    out.stop = stop;
  }
}

function responseFormat(format: JsonValue | undefined): JsonObject | undefined {
  if (format === undefined || format === null || format === '') return undefined;
  if (format === 'json') return { type: 'json_object' };
  if (isJsonObject(format)) return { type: 'json_schema', json_schema: { name: 'ollama_format', schema: format, strict: true } };
  throw errors.invalidParam('format', "Invalid 'format': expected \"json\" or a JSON schema object.");
}

function imageParts(images: JsonValue | undefined): JsonObject[] {
  if (!Array.isArray(images)) return [];
  return images
    .filter((i): i is string => typeof i === 'string')
    .map((b64) => ({ type: 'image_url', image_url: { url: b64.startsWith('data:') ? b64 : `data:image/png;base64,${b64}` } }));
}

/** Ollama chat messages → OpenAI messages (images → content parts, tool call arguments → JSON strings). */
function chatMessages(messages: JsonValue[]): JsonObject[] {
  let toolCallSeq = 0;
  // Tool results answer the calls of the assistant turn before them, in order.
  const pendingCalls: string[] = [];
  const pendingId = (id: string): string => {
    pendingCalls.push(id);
    return id;
  };
  return messages.map((m, i) => {
    if (isJsonObject(m) && m.role === 'assistant' && Array.isArray(m.tool_calls)) pendingCalls.length = 0;
    if (!isJsonObject(m) || typeof m.role !== 'string') {
      throw errors.invalidParam(`messages[${i}]`, `Invalid 'messages[${i}]': expected an object with a string 'role'.`);
    }
    const content = typeof m.content === 'string' ? m.content : '';
    const images = imageParts(m.images);
    const out: JsonObject = { role: m.role, content: images.length ? [{ type: 'text', text: content }, ...images] : content };
    if (Array.isArray(m.tool_calls)) {
      out.tool_calls = m.tool_calls.filter(isJsonObject).map((tc) => {
        const fn = isJsonObject(tc.function) ? tc.function : {};
        return {
          id: pendingId(`call_${toolCallSeq++}`),
          type: 'function',
          function: { name: typeof fn.name === 'string' ? fn.name : '', arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) },
        };
      });
    }
    if (m.role === 'tool') out.tool_call_id = pendingCalls.shift() ?? `call_${Math.max(0, toolCallSeq - 1)}`;
    return out;
  });
}

export interface ParsedOllama {
  readonly request: CanonicalRequest;
  readonly shape: OllamaShape;
}

export function parseOllamaRequest(route: OllamaRoute, json: unknown, meta: RequestMeta, resolveModel: (name: string) => string): ParsedOllama {
  if (!isJsonObject(json)) throw errors.invalidParam('body', 'The request body must be a JSON object.');
  const clientModel = requireString(json, 'model');
  const model = resolveModel(clientModel);
  optional(json, 'stream', isBool, 'a boolean');
  const keepAliveMs = parseKeepAlive(json.keep_alive);
  const base = { id: meta.id, protocol: 'ollama' as const, model, sessionId: meta.sessionId, arrivedAt: meta.arrivedAt, keepAliveMs, clientWantsUsage: false };
  const shape: OllamaShape = { route, clientModel };

  if (route === 'embed' || route === 'embeddings') {
    const input = route === 'embed' ? json.input : json.prompt;
    const name = route === 'embed' ? 'input' : 'prompt';
    if (input === undefined || input === null) throw errors.missingParam(name);
    if (typeof input !== 'string' && !(Array.isArray(input) && input.every((s) => typeof s === 'string'))) {
      throw errors.invalidParam(name, `Invalid type for '${name}': expected a string or an array of strings.`);
    }
    const text = inputText(input);
    return {
      shape,
      request: { ...base, endpoint: 'embeddings', body: { model, input }, stream: false, maxTokens: 0, promptChars: text.chars, promptParts: text.parts, promptPrefix: text.prefix },
    };
  }

  const stream = json.stream !== false;
  const body: JsonObject = { model, stream };
  samplingFromOptions(json.options, body);
  const rf = responseFormat(json.format);
  if (rf) body.response_format = rf;
  let endpoint: Endpoint = 'chat';

  if (route === 'chat') {
    const messages = json.messages;
    if (messages === undefined || messages === null) throw errors.missingParam('messages');
    if (!Array.isArray(messages)) throw errors.invalidParam('messages', "Invalid type for 'messages': expected an array.");
    optional(json, 'tools', isArray, 'an array');
    body.messages = chatMessages(messages);
    if (Array.isArray(json.tools) && json.tools.length > 0) body.tools = json.tools;
  } else {
    optional(json, 'prompt', isString, 'a string');
    optional(json, 'system', isString, 'a string');
    optional(json, 'suffix', isString, 'a string');
    optional(json, 'raw', isBool, 'a boolean');
    optional(json, 'options', isObject, 'an object');
    const prompt = typeof json.prompt === 'string' ? json.prompt : '';
    if (json.raw === true || typeof json.suffix === 'string') {
      // Raw prompts and fill-in-the-middle go to the completions API, untemplated.
      endpoint = 'completions';
      body.prompt = prompt;
      if (typeof json.suffix === 'string') body.suffix = json.suffix;
    } else {
      const messages: JsonObject[] = [];
      if (typeof json.system === 'string' && json.system) messages.push({ role: 'system', content: json.system });
      const images = imageParts(json.images);
      messages.push({ role: 'user', content: images.length ? [{ type: 'text', text: prompt }, ...images] : prompt });
      body.messages = messages;
    }
  }
  if (stream) body.stream_options = { include_usage: true };
  const text = endpoint === 'chat' ? withTools(messagesText(body.messages as JsonValue[]), body.tools) : inputText(body.prompt);
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : undefined;
  return { shape, request: { ...base, endpoint, body, stream, maxTokens, promptChars: text.chars, promptParts: text.parts, promptPrefix: text.prefix } };
}

export function ollamaErrorBody(err: GatewayError): string {
  return JSON.stringify({ error: err.message });
}
