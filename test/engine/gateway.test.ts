// The embedded backend behind the real gateway (in-process, on loopback), used by the official
// openai and ollama clients: the contract between the engine and the gateway, end to end.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { createEmbeddedBackend, type EmbeddedBackend } from '../../src/backends/embedded.js';
import { configSchema } from '../../src/config/schema.js';
import { Gateway } from '../../src/server/gateway.js';
import { createLogger } from '../../src/telemetry/log.js';
import { tempModelsDir } from './helpers.js';

describe('embedded engine behind the gateway (openai and ollama clients)', () => {
  let cleanup: () => Promise<void>;
  let backend: EmbeddedBackend;
  let gateway: Gateway;
  let openai: OpenAI;
  let ollama: Ollama;

  before(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempModelsDir());
    await writeFile(join(dir, 'broken.gguf'), Buffer.concat([Buffer.from('GGML'), Buffer.alloc(200)]));
    const local = { kind: 'embedded', models_dir: dir, parallel: 2, queue: 2, context: 2048, threads: 1, keep_alive: '5m' };
    const config = configSchema.parse({
      log_level: 'error',
      backends: { local },
      models: [
        { name: 'demo', deployments: [{ backend: 'local', model: 'relais-demo' }] },
        { name: 'endless', deployments: [{ backend: 'local', model: 'endless' }] },
        { name: 'broken', deployments: [{ backend: 'local', model: 'broken' }] },
      ],
    });
    const cfg = config.backends.local;
    assert.equal(cfg?.kind, 'embedded');
    backend = createEmbeddedBackend('local', cfg);
    gateway = await Gateway.create(config, { backends: [backend], log: createLogger('error') });
    const addr = await gateway.listen('127.0.0.1', 0);
    openai = new OpenAI({ baseURL: `http://127.0.0.1:${addr.port}/v1`, apiKey: 'unused', maxRetries: 0 });
    ollama = new Ollama({ host: `http://127.0.0.1:${addr.port}` });
  });
  after(async () => {
    await gateway.close(1000);
    await cleanup();
  });

  it('chats without and with streaming, with exact usage', async () => {
    const r = await openai.chat.completions.create({ model: 'endless', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 12, seed: 4 });
    assert.equal(r.model, 'endless');
    assert.equal(r.choices[0]?.finish_reason, 'length');
    assert.deepEqual(r.usage && { p: r.usage.prompt_tokens, c: r.usage.completion_tokens }, { p: 24, c: 12 });
    const stream = await openai.chat.completions.create({ model: 'endless', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 12, seed: 4, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, r.choices[0]?.message.content);
    assert.equal(usage?.completion_tokens, 12);
  });

  it('completes text and embeds', async () => {
    const c = await openai.completions.create({ model: 'endless', prompt: 'Once upon', max_tokens: 5, seed: 1 });
    assert.equal(c.usage?.prompt_tokens, 9);
    assert.equal(c.usage?.completion_tokens, 5);
    const e = await openai.embeddings.create({ model: 'demo', input: ['a', 'b'] });
    assert.equal(e.data.length, 2);
    assert.equal(e.data[0]?.embedding.length, 64);
  });

  it('returns json that matches the schema', async () => {
    const r = await openai.chat.completions.create({
      model: 'demo',
      messages: [{ role: 'user', content: 'json please' }],
      max_tokens: 200,
      seed: 9,
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } } },
    });
    const parsed = JSON.parse(r.choices[0]?.message.content ?? '') as { ok: unknown };
    assert.equal(typeof parsed.ok, 'boolean');
  });

  it('passes the engine refusals through with their status', async () => {
    await assert.rejects(
      openai.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'x' }], n: 2 }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 400 && err.param === 'n',
    );
  });

  it('serves the other models when one file is corrupt, without tripping the breaker', async () => {
    for (let i = 0; i < 4; i++) {
      await assert.rejects(
        openai.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'x' }] }),
        (err: unknown) => err instanceof OpenAI.APIError && /not a GGUF file: wrong magic/.test(err.message),
      );
    }
    const r = await openai.chat.completions.create({ model: 'endless', messages: [{ role: 'user', content: 'still there?' }], max_tokens: 3 });
    assert.equal(r.usage?.completion_tokens, 3);
  });

  it("honours ollama's keep_alive 0: the model unloads after the request", async () => {
    const r = await ollama.chat({ model: 'endless', messages: [{ role: 'user', content: 'hi' }], stream: false, keep_alive: 0, options: { num_predict: 3 } });
    assert.equal(r.done, true);
    for (let i = 0; i < 100 && backend.loaded().some((m) => m.name === 'endless'); i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(backend.loaded().some((m) => m.name === 'endless'), false);
  });
});
