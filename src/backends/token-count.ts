// Counting a chat prompt's tokens with an engine's own tokenizer endpoint (for count_tokens):
// vLLM's /tokenize applies the chat template; llama.cpp server renders it with /apply-template first.
import type { Pool } from 'undici';
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/json.js';
import { boundedJson } from './bounded-body.js';
import type { Flavour } from './flavours.js';

async function post(pool: Pool, path: string, headers: Record<string, string>, body: JsonObject, signal: AbortSignal): Promise<JsonObject | undefined> {
  const res = await pool.request({ path, method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
  if (res.statusCode !== 200) {
    await res.body.dump();
    return undefined;
  }
  const json = await boundedJson(res.body);
  return isJsonObject(json) ? json : undefined;
}

function count(json: JsonObject | undefined): number | undefined {
  if (!json) return undefined;
  if (typeof json.count === 'number' && Number.isInteger(json.count) && json.count >= 0) return json.count;
  return Array.isArray(json.tokens) ? json.tokens.length : undefined;
}

function plainText(messages: JsonValue | undefined): string {
  if (!Array.isArray(messages)) return '';
  return messages.map((m) => (isJsonObject(m) ? (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')) : '')).join('\n');
}

/** The engine's count for a chat body, or undefined when it has no tokenizer endpoint (or refused). */
export async function engineTokenCount(pool: Pool, rootPath: string, headers: Record<string, string>, flavour: Flavour, body: JsonObject, signal: AbortSignal): Promise<number | undefined> {
  const tools = Array.isArray(body.tools) ? { tools: body.tools } : {};
  switch (flavour.tokenize) {
    case 'vllm':
      return count(await post(pool, `${rootPath}/tokenize`, headers, { model: body.model ?? null, messages: body.messages ?? [], add_generation_prompt: true, ...tools }, signal));
    case 'sglang':
      return count(await post(pool, `${rootPath}/v1/tokenize`, headers, { model: body.model ?? null, prompt: plainText(body.messages) }, signal));
    case 'llamacpp': {
      const rendered = await post(pool, `${rootPath}/apply-template`, headers, { messages: body.messages ?? [], ...tools }, signal);
      if (!rendered || typeof rendered.prompt !== 'string') return undefined;
      return count(await post(pool, `${rootPath}/tokenize`, headers, { content: rendered.prompt, add_special: true }, signal));
    }
    default:
      return undefined;
  }
}
