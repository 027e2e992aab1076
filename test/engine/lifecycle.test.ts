// Model lifecycle on the real llama.cpp: keep-alive unload, the loaded-model cap, the memory check.
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { at, call, send, readJson, readText, tempModelsDir, testBackend, user } from './helpers.js';

const never = new AbortController().signal;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('model lifecycle (real llama.cpp)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  before(async () => {
    ({ dir, cleanup } = await tempModelsDir());
    await copyFile(join(dir, 'relais-demo.gguf'), join(dir, 'second.gguf'));
    await copyFile(join(dir, 'relais-demo.gguf'), join(dir, 'third.gguf'));
  });
  after(() => cleanup());

  it('loads on first use, reports expiry for /api/ps, unloads after keep_alive idle', async () => {
    const backend = testBackend(dir, { keep_alive: '400ms' });
    try {
      assert.deepEqual(backend.loaded(), []);
      const reply = await send(backend, call('chat', { model: 'relais-demo', messages: user('hi'), max_tokens: 4 }), never);
      assert.equal(reply.status, 200);
      await readText(reply);
      const [ps] = backend.loaded();
      assert.equal(ps?.name, 'relais-demo');
      assert.equal(ps?.family, 'llama');
      assert.equal(ps?.quantization, 'F16');
      assert.ok((ps?.sizeBytes ?? 0) > 200_000);
      const expires = Date.parse(ps?.expiresAt ?? '');
      assert.ok(expires > Date.now() && expires <= Date.now() + 400, `expiresAt ${ps?.expiresAt}`);
      await sleep(700);
      assert.deepEqual(backend.loaded(), []);
      // And it loads again on the next request.
      const again = await send(backend, call('completions', { model: 'relais-demo', prompt: 'x', max_tokens: 2 }), never);
      assert.equal(again.status, 200);
      await readText(again);
      assert.equal(backend.loaded().length, 1);
    } finally {
      await backend.close();
    }
  });

  it("honours a request's keep_alive: 0 unloads right after, negative keeps it forever", async () => {
    const backend = testBackend(dir, { keep_alive: '5m' });
    try {
      const r0 = await send(backend, call('chat', { model: 'relais-demo', messages: user('hi'), max_tokens: 2 }, { keepAliveMs: 0 }), never);
      await readText(r0);
      await sleep(50);
      assert.deepEqual(backend.loaded(), []);
      // The Ollama codec passes -1 for a negative keep_alive: forever.
      const r1 = await send(backend, call('chat', { model: 'relais-demo', messages: user('hi'), max_tokens: 2 }, { keepAliveMs: -1 }), never);
      await readText(r1);
      await sleep(50);
      assert.equal(backend.loaded()[0]?.name, 'relais-demo');
      assert.equal(backend.loaded()[0]?.expiresAt, undefined);
      assert.equal(backend.loaded()[0]?.keepAliveMs, undefined);
    } finally {
      await backend.close();
    }
  });

  it('loads once for simultaneous first requests', async () => {
    const backend = testBackend(dir, { parallel: 4 });
    try {
      const replies = await Promise.all([1, 2, 3, 4].map((seed) => send(backend, call('completions', { model: 'endless', prompt: 'x', max_tokens: 3, seed }), never)));
      for (const r of replies) {
        assert.equal(r.status, 200);
        await readText(r);
      }
      assert.equal(backend.loaded().length, 1);
    } finally {
      await backend.close();
    }
  });

  it('keeps at most max_loaded_models, unloading the least recently used idle one', async () => {
    const backend = testBackend(dir, { max_loaded_models: 2 });
    try {
      for (const model of ['relais-demo', 'second', 'third']) {
        const r = await send(backend, call('completions', { model, prompt: 'x', max_tokens: 2 }), never);
        assert.equal(r.status, 200);
        await readText(r);
      }
      assert.deepEqual(backend.loaded().map((m) => m.name).sort(), ['second', 'third']);
    } finally {
      await backend.close();
    }
  });

  it('refuses to load a model that does not fit in free memory, with the estimate in the message', async () => {
    let free = 1024 * 1024; // 1 MiB: far too little for weights + KV cache + overhead
    const backend = testBackend(dir, { context: 2048, parallel: 4 }, { freeMemory: () => free });
    try {
      const reply = await send(backend, call('chat', { model: 'relais-demo', messages: user('hi') }), never);
      assert.equal(reply.status, 507);
      const body = await readJson(reply);
      assert.equal(at(body, 'error', 'code'), 'insufficient_memory');
      assert.match(
        String(at(body, 'error', 'message')),
        /not enough memory to load model 'relais-demo': it needs an estimated [\d.]+ MiB for context 2048 × parallel 4, but only 1\.0 MiB is free/,
      );
      assert.deepEqual(backend.loaded(), []);
      // With enough memory the same backend loads it.
      free = 8 * 1024 ** 3;
      const ok = await send(backend, call('chat', { model: 'relais-demo', messages: user('hi'), max_tokens: 2 }), never);
      assert.equal(ok.status, 200);
      await readText(ok);
    } finally {
      await backend.close();
    }
  });

  it('unloads idle models to make memory room instead of refusing', async () => {
    // A machine with room for one model: free memory is short while any model is loaded.
    let loadedCount = (): number => 0;
    const backend = testBackend(dir, { max_loaded_models: 3 }, { freeMemory: () => (loadedCount() > 0 ? 1024 : 8 * 1024 ** 3) });
    loadedCount = () => backend.loaded().length;
    try {
      for (const model of ['relais-demo', 'second']) {
        const r = await send(backend, call('completions', { model, prompt: 'x', max_tokens: 2 }), never);
        assert.equal(r.status, 200);
        await readText(r);
      }
      assert.deepEqual(backend.loaded().map((m) => m.name), ['second']);
    } finally {
      await backend.close();
    }
  });
});
