// OpenAI API codec: validates a request body once and produces the canonical request;
// formats errors in OpenAI's shape. Unknown fields pass through to the engine untouched.
import type { CanonicalRequest, Endpoint } from './canonical.js';
import { errors, type GatewayError } from './errors.js';
import { isJsonObject, type JsonObject } from './json.js';
import { inputText, messagesText, withTools, type PromptText } from './prompt-text.js';
import {
  isArray, isBool, isObject, isString, isStringOrStrings, MAX_CHOICES, MAX_OUTPUT_TOKENS, optional, optionalNumber, optionalNumberMap, requireString,
} from './validate.js';

export interface RequestMeta {
  readonly id: string;
  readonly arrivedAt: number;
  readonly sessionId?: string | undefined;
}

interface Parsed {
  text: PromptText;
  maxTokens: number | undefined;
  /** Sequences the engine generates (the larger of n and best_of): each may reach maxTokens. */
  choices: number;
}

/** Sampling fields, OpenAI's and the engine extras vLLM, SGLang and llama.cpp accept: typed and bounded. */
function checkSampling(body: JsonObject): Omit<Parsed, 'text'> {
  optional(body, 'stream', isBool, 'a boolean');
  optionalNumber(body, 'temperature', 0, 2);
  optionalNumber(body, 'top_p', 0, 1);
  const n = optionalNumber(body, 'n', 1, MAX_CHOICES, true) ?? 1;
  const bestOf = optionalNumber(body, 'best_of', 1, MAX_CHOICES, true) ?? n;
  if (bestOf < n) throw errors.invalidParam('best_of', `Invalid value for 'best_of': ${bestOf} is less than n (${n}).`);
  optionalNumber(body, 'seed', -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  optionalNumber(body, 'presence_penalty', -2, 2);
  optionalNumber(body, 'frequency_penalty', -2, 2);
  optionalNumber(body, 'repetition_penalty', 0, 100);
  optionalNumber(body, 'length_penalty', -100, 100);
  optionalNumber(body, 'top_k', -1, 1_000_000, true);
  optionalNumber(body, 'min_p', 0, 1);
  optionalNumber(body, 'min_tokens', 0, MAX_OUTPUT_TOKENS, true);
  optionalNumber(body, 'truncate_prompt_tokens', 1, MAX_OUTPUT_TOKENS, true);
  optionalNumberMap(body, 'logit_bias', -100, 100);
  optional(body, 'stop', isStringOrStrings, 'a string or an array of strings');
  optional(body, 'stream_options', isObject, 'an object');
  const maxTokens = optionalNumber(body, 'max_tokens', 1, MAX_OUTPUT_TOKENS, true);
  const maxCompletion = optionalNumber(body, 'max_completion_tokens', 1, MAX_OUTPUT_TOKENS, true);
  return { maxTokens: maxCompletion ?? maxTokens, choices: Math.max(n, bestOf) };
}

function chat(body: JsonObject): Parsed {
  const messages = body.messages;
  if (messages === undefined || messages === null) throw errors.missingParam('messages');
  if (!Array.isArray(messages) || messages.length === 0) throw errors.invalidParam('messages', "'messages' must be a non-empty array.");
  messages.forEach((m, i) => {
    if (!isJsonObject(m)) throw errors.invalidParam(`messages[${i}]`, `Invalid type for 'messages[${i}]': expected an object.`);
    if (typeof m.role !== 'string') throw errors.invalidParam(`messages[${i}].role`, `Invalid type for 'messages[${i}].role': expected a string.`);
    const c = m.content;
    if (c !== undefined && c !== null && typeof c !== 'string' && !Array.isArray(c)) {
      throw errors.invalidParam(`messages[${i}].content`, `Invalid type for 'messages[${i}].content': expected a string or an array of content parts.`);
    }
  });
  optional(body, 'tools', isArray, 'an array');
  optional(body, 'response_format', isObject, 'an object');
  optional(body, 'logprobs', isBool, 'a boolean');
  optionalNumber(body, 'top_logprobs', 0, 20, true);
  // Tool definitions are rendered into the prompt by the chat template: they count towards its size.
  return { text: withTools(messagesText(messages), body.tools), ...checkSampling(body) };
}

function completions(body: JsonObject): Parsed {
  const prompt = body.prompt;
  if (prompt === undefined || prompt === null) throw errors.missingParam('prompt');
  if (typeof prompt !== 'string' && !Array.isArray(prompt)) {
    throw errors.invalidParam('prompt', "Invalid type for 'prompt': expected a string, an array of strings or of token ids.");
  }
  optional(body, 'suffix', isString, 'a string');
  optional(body, 'echo', isBool, 'a boolean');
  optionalNumber(body, 'logprobs', 0, 20, true);
  return { text: inputText(prompt), ...checkSampling(body) };
}

function embeddings(body: JsonObject): Parsed {
  const input = body.input;
  if (input === undefined || input === null) throw errors.missingParam('input');
  if (typeof input !== 'string' && !Array.isArray(input)) {
    throw errors.invalidParam('input', "Invalid type for 'input': expected a string or an array.");
  }
  if (Array.isArray(input) && input.length === 0) throw errors.invalidParam('input', "'input' must not be empty.");
  optional(body, 'encoding_format', isString, 'a string');
  optionalNumber(body, 'dimensions', 1, 1_000_000, true);
  return { text: inputText(input), maxTokens: 0, choices: 1 };
}

/** POST /v1/rerank (the Cohere/Jina shape vLLM, TEI and llama.cpp server speak). */
function rerank(body: JsonObject): Parsed {
  const query = requireString(body, 'query');
  const docs = body.documents;
  if (docs === undefined || docs === null) throw errors.missingParam('documents');
  if (!Array.isArray(docs) || docs.length === 0) throw errors.invalidParam('documents', "'documents' must be a non-empty array.");
  if (docs.length > 10_000) throw errors.invalidParam('documents', "'documents' may hold at most 10000 entries.");
  const texts = docs.map((d, i) => {
    if (typeof d === 'string') return d;
    if (isJsonObject(d) && typeof d.text === 'string') return d.text;
    throw errors.invalidParam(`documents[${i}]`, `Invalid type for 'documents[${i}]': expected a string or an object with 'text'.`);
  });
  optionalNumber(body, 'top_n', 1, 10_000, true);
  optional(body, 'return_documents', isBool, 'a boolean');
  return { text: inputText([query, ...texts]), maxTokens: 0, choices: 1 };
}

/** POST /v1/score (vLLM): similarity of text_1 to each text_2. */
function score(body: JsonObject): Parsed {
  for (const name of ['text_1', 'text_2']) {
    const v = body[name];
    if (v === undefined || v === null) throw errors.missingParam(name);
    if (!isStringOrStrings(v) || (Array.isArray(v) && v.length === 0)) throw errors.invalidParam(name, `Invalid type for '${name}': expected a string or a non-empty array of strings.`);
  }
  const all = [body.text_1, body.text_2].flat().filter((t): t is string => typeof t === 'string');
  return { text: inputText(all), maxTokens: 0, choices: 1 };
}

const parsers: Record<Endpoint, (b: JsonObject) => Parsed> = { chat, completions, embeddings, rerank, score };

export function parseOpenAIRequest(endpoint: Endpoint, json: unknown, meta: RequestMeta): CanonicalRequest {
  if (!isJsonObject(json)) throw errors.invalidParam('body', 'The request body must be a JSON object.');
  const model = requireString(json, 'model');
  const { text, maxTokens, choices } = parsers[endpoint](json);
  const stream = (endpoint === 'chat' || endpoint === 'completions') && json.stream === true;
  const so = json.stream_options;
  const clientWantsUsage = stream && isJsonObject(so) && so.include_usage === true;
  return {
    id: meta.id,
    endpoint,
    protocol: 'openai',
    model,
    body: json,
    stream,
    clientWantsUsage,
    maxTokens,
    choices,
    promptChars: text.chars,
    promptParts: text.parts,
    promptPrefix: text.prefix,
    sessionId: meta.sessionId,
    arrivedAt: meta.arrivedAt,
  };
}

export function openAIErrorBody(err: GatewayError): string {
  return JSON.stringify({ error: { message: err.message, type: err.type, param: err.param, code: err.code } });
}

/** The models list as OpenAI's GET /v1/models answers it. */
export function openAIModelList(models: readonly { name: string; created: number; description?: string | undefined }[]): JsonObject {
  return {
    object: 'list',
    data: models.map((m) => ({ id: m.name, object: 'model', created: m.created, owned_by: 'relais', ...(m.description ? { description: m.description } : {}) })),
  };
}
