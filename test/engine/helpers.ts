// Shared by the engine tests: a temp models dir with the generated model, a backend on it,
// and readers for JSON and SSE replies.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { Backend, UpstreamCall, UpstreamReply } from '../../src/backends/backend.js';
import { createEmbeddedBackend, EngineRefusal, type EmbeddedBackend, type EmbeddedBackendOptions } from '../../src/backends/embedded.js';
import type { EmbeddedBackendConfig } from '../../src/config/schema.js';
import { ensureDemoModel, generateTinyModel, TINY_CHAT_TEMPLATE } from '../../src/engine/tiny-model.js';
import { isJsonObject, type JsonObject } from '../../src/protocol/json.js';

export async function tempModelsDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'relais-engine-'));
  await ensureDemoModel(dir);
  // The demo model ends its replies by itself; tests that need long streams use one that never does.
  await writeFile(join(dir, 'endless.gguf'), generateTinyModel({ endBias: -8 }));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function testBackend(dir: string, overrides: Partial<EmbeddedBackendConfig> = {}, options: EmbeddedBackendOptions = {}): EmbeddedBackend {
  const cfg: EmbeddedBackendConfig = {
    kind: 'embedded',
    models_dir: dir,
    zone: 'local',
    parallel: 2,
    queue: 1,
    context: 2048,
    threads: 1,
    keep_alive: '5m',
    max_loaded_models: 2,
    gpu: false,
    ...overrides,
  };
  return createEmbeddedBackend('local', cfg, options);
}

/**
 * Backend.call, with a refusal (thrown EngineRefusal) turned back into a reply, so tests read
 * status, headers and the OpenAI error body the same way for every outcome.
 */
export async function send(backend: Backend, c: UpstreamCall, signal: AbortSignal = new AbortController().signal): Promise<UpstreamReply> {
  try {
    return await backend.call(c, signal);
  } catch (err) {
    if (!(err instanceof EngineRefusal)) throw err;
    assert.equal(err.failure, 'status');
    const bytes = Buffer.from(err.body ?? '');
    return {
      status: err.status ?? 0,
      contentType: 'application/json',
      headers: err.headers,
      body: (async function* () {
        yield bytes;
      })(),
    };
  }
}

let n = 0;
export function call(endpoint: UpstreamCall['endpoint'], body: JsonObject, extra: Partial<UpstreamCall> = {}): UpstreamCall {
  return { requestId: `t${++n}`, endpoint, body, stream: body.stream === true, ...extra };
}

export async function readText(reply: UpstreamReply): Promise<string> {
  let s = '';
  for await (const c of reply.body) s += Buffer.from(c).toString('utf8');
  return s;
}

export async function readJson(reply: UpstreamReply): Promise<JsonObject> {
  const v: unknown = JSON.parse(await readText(reply));
  if (!isJsonObject(v)) throw new Error('reply is not a JSON object');
  return v;
}

/** Parses an SSE body into its JSON events; `done` tells whether [DONE] ended it. */
export function parseSse(text: string): { events: JsonObject[]; done: boolean } {
  const events: JsonObject[] = [];
  let done = false;
  for (const block of text.split('\n\n')) {
    if (!block.startsWith('data: ')) continue;
    const data = block.slice(6);
    if (data === '[DONE]') done = true;
    else {
      const v: unknown = JSON.parse(data);
      if (isJsonObject(v)) events.push(v);
    }
  }
  return { events, done };
}

/** Reads a path of nested objects/arrays: at(obj, 'choices', 0, 'message', 'content'). */
export function at(v: unknown, ...path: Array<string | number>): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

export const user = (content: string): JsonObject[] => [{ role: 'user', content }];

/** The demo model's own template (ChatML that renders tools, Hermes/Qwen style). */
export const TOOLS_TEMPLATE = TINY_CHAT_TEMPLATE;
