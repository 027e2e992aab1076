// The embedded backend on the real llama.cpp (CPU, 1 thread) and the generated model, loaded once.
import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BackendError } from '../../src/backends/backend.js';
import type { EmbeddedBackend } from '../../src/backends/embedded.js';
import { generateTinyModel } from '../../src/engine/tiny-model.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { at, call, send, parseSse, readJson, readText, tempModelsDir, testBackend, user } from './helpers.js';

const never = new AbortController().signal;

/** Waits until no sequence of the model is running (at most 2 s). */
async function idle(backend: EmbeddedBackend, model = 'endless'): Promise<void> {
  const t0 = performance.now();
  while (backend.loaded().find((m) => m.name === model)?.running !== 0) {
    assert.ok(performance.now() - t0 < 2000, 'sequences still running after 2 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('embedded backend (real llama.cpp)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let backend: EmbeddedBackend;

  before(async () => {
    ({ dir, cleanup } = await tempModelsDir());
    const full = generateTinyModel();
    await writeFile(join(dir, 'truncated.gguf'), full.subarray(0, full.length - 4096));
    const wrong = Buffer.from(full);
    wrong.write('GGJT', 0, 'latin1');
    await writeFile(join(dir, 'wrong-magic.gguf'), wrong);
    await copyFile(join(dir, 'relais-demo.gguf'), join(dir, 'other.gguf'));
    backend = testBackend(dir);
  });
  after(async () => {
    await backend.close();
    await cleanup();
  });

  const chat = (body: JsonObject, signal = never) => send(backend, call('chat', { model: 'relais-demo', ...body }), signal);

  it('is healthy when the llama.cpp runtime loads', async () => {
    assert.equal(await backend.health(never), true);
  });

  it('lists the GGUF files of its directory', async () => {
    assert.deepEqual(await backend.listModels?.(never), ['endless', 'other', 'relais-demo', 'truncated', 'wrong-magic']);
  });

  it('answers a chat completion with exact usage and timings', async () => {
    const reply = await chat({ messages: user('Hello'), max_tokens: 16, seed: 1 });
    assert.equal(reply.status, 200);
    assert.equal(reply.contentType, 'application/json');
    const body = await readJson(reply);
    assert.equal(body.object, 'chat.completion');
    assert.equal(body.model, 'relais-demo');
    assert.equal(at(body, 'choices', 0, 'message', 'role'), 'assistant');
    const content = at(body, 'choices', 0, 'message', 'content');
    assert.equal(typeof content, 'string');
    assert.equal(at(body, 'choices', 0, 'finish_reason'), 'length');
    // "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n" in a byte-level vocabulary, as the
    // template renders it (no BOS: the GGUF says add_bos_token false and the template writes none).
    assert.deepEqual(body.usage, { prompt_tokens: 24, completion_tokens: 16, total_tokens: 40, prompt_tokens_details: { cached_tokens: 0 } });
    assert.equal(at(body, 'timings', 'predicted_n'), 16);
    assert.equal(at(body, 'timings', 'prompt_n'), 24);
    // Same seed, same text: sampling is reproducible, also when the prompt comes from the KV cache.
    const again = await readJson(await chat({ messages: user('Hello'), max_tokens: 16, seed: 1 }));
    assert.equal(at(again, 'choices', 0, 'message', 'content'), content);
    assert.equal(at(again, 'usage', 'prompt_tokens'), 24);
    // The whole prompt but its last token (llama.cpp must evaluate one to get logits) was cached.
    assert.equal(at(again, 'usage', 'prompt_tokens_details', 'cached_tokens'), 23);
    assert.equal(at(again, 'timings', 'cache_n'), 23);
    assert.equal(at(again, 'timings', 'prompt_n'), 1);
  });

  it('reuses the KV cache of a conversation: the next turn evaluates only what is new', async () => {
    const first = [{ role: 'system', content: 'You are terse.' }, ...user('Name three colours.')];
    const r1 = await readJson(await chat({ model: 'endless', messages: first, max_tokens: 20, seed: 5 }));
    const answer = String(at(r1, 'choices', 0, 'message', 'content'));
    const next = [...first, { role: 'assistant', content: answer }, ...user('And three more?')];
    const r2 = await readJson(await chat({ model: 'endless', messages: next, max_tokens: 20, seed: 5 }));
    const p2 = Number(at(r2, 'usage', 'prompt_tokens'));
    const cached = Number(at(r2, 'usage', 'prompt_tokens_details', 'cached_tokens'));
    assert.ok(cached >= Number(at(r1, 'usage', 'prompt_tokens')), `cached ${cached} of ${p2}`);
    assert.equal(Number(at(r2, 'timings', 'prompt_n')), p2 - cached);
    // The cache changes the work, not the result: a backend with a cold cache says the same.
    const cold = testBackend(dir);
    try {
      const r3 = await readJson(await send(cold, call('chat', { model: 'endless', messages: next, max_tokens: 20, seed: 5 })));
      assert.equal(at(r3, 'usage', 'prompt_tokens'), p2);
      assert.equal(at(r3, 'usage', 'prompt_tokens_details', 'cached_tokens'), 0);
      assert.equal(at(r3, 'choices', 0, 'message', 'content'), at(r2, 'choices', 0, 'message', 'content'));
    } finally {
      await cold.close();
    }
  });

  it('streams chat chunks, then the finish chunk, the usage chunk and [DONE]', async () => {
    const reply = await send(backend, call('chat', { model: 'relais-demo', messages: user('Hello'), max_tokens: 12, seed: 1, stream: true, stream_options: { include_usage: true } }),
      never,
    );
    assert.equal(reply.status, 200);
    assert.equal(reply.contentType, 'text/event-stream');
    const { events, done } = parseSse(await readText(reply));
    assert.ok(done);
    assert.equal(at(events[0], 'choices', 0, 'delta', 'role'), 'assistant');
    const text = events.map((e) => at(e, 'choices', 0, 'delta', 'content')).filter((c): c is string => typeof c === 'string').join('');
    const usage = events[events.length - 1]?.usage;
    assert.equal(at(usage, 'prompt_tokens'), 24);
    assert.equal(at(usage, 'completion_tokens'), 12);
    assert.equal(at(usage, 'total_tokens'), 36);
    assert.equal(at(events[events.length - 2], 'choices', 0, 'finish_reason'), 'length');
    // Streaming and non-streaming generate the same text for the same seed.
    const whole = await readJson(await chat({ messages: user('Hello'), max_tokens: 12, seed: 1 }));
    assert.equal(text, at(whole, 'choices', 0, 'message', 'content'));
  });

  it('stops at a stop string without emitting it', async () => {
    const free = await readJson(await chat({ messages: user('Stop test'), max_tokens: 40, seed: 3, temperature: 1 }));
    const text = String(at(free, 'choices', 0, 'message', 'content'));
    const stop = text.slice(10, 12);
    const stopped = await readJson(await chat({ messages: user('Stop test'), max_tokens: 40, seed: 3, temperature: 1, stop: [stop] }));
    assert.equal(at(stopped, 'choices', 0, 'finish_reason'), 'stop');
    const cut = String(at(stopped, 'choices', 0, 'message', 'content'));
    assert.equal(cut, text.slice(0, text.indexOf(stop)));
  });

  it('answers text completions with exact prompt tokens, and fill-in-the-middle with a suffix', async () => {
    const plain = await readJson(await send(backend, call('completions', { model: 'endless', prompt: 'Once upon', max_tokens: 8, seed: 2 }), never));
    assert.equal(plain.object, 'text_completion');
    assert.equal(typeof at(plain, 'choices', 0, 'text'), 'string');
    assert.deepEqual(plain.usage, { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17, prompt_tokens_details: { cached_tokens: 0 } });
    const fim = await readJson(await send(backend, call('completions', { model: 'endless', prompt: 'def f(', suffix: 'return x', max_tokens: 8, seed: 2 }), never));
    // 6 + 8 bytes of text and the three FIM tokens.
    assert.deepEqual(fim.usage, { prompt_tokens: 17, completion_tokens: 8, total_tokens: 25, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it('embeds strings, with usage', async () => {
    const body = await readJson(await send(backend, call('embeddings', { model: 'relais-demo', input: ['hello', 'world!'] }), never));
    assert.equal(body.object, 'list');
    const data = body.data as JsonObject[];
    assert.equal(data.length, 2);
    const v0 = data[0]?.embedding as number[];
    assert.equal(v0.length, 64);
    assert.ok(v0.every((x) => Number.isFinite(x)));
    assert.notDeepEqual(v0, data[1]?.embedding);
    assert.deepEqual(body.usage, { prompt_tokens: 11, total_tokens: 11 });
    const b64 = await readJson(await send(backend, call('embeddings', { model: 'relais-demo', input: 'hello', encoding_format: 'base64' }), never));
    const decoded = new Float32Array(Uint8Array.from(Buffer.from(String(at(b64, 'data', 0, 'embedding')), 'base64')).buffer);
    assert.equal(decoded.length, 64);
    assert.ok(Math.abs((decoded[0] ?? 0) - (v0[0] ?? 0)) < 1e-4);
  });

  it('enforces response_format json_schema with a grammar: the output parses and validates', async () => {
    const schema = {
      type: 'object',
      properties: {
        answer: { enum: ['yes', 'no', 'maybe'] },
        confident: { type: 'boolean' },
        word: { type: 'string', maxLength: 8 },
        tags: { type: 'array', items: { enum: ['a', 'b', 'c'] }, maxItems: 3 },
      },
      required: ['answer', 'confident', 'word', 'tags'],
    };
    for (const seed of [1, 2, 3]) {
      const body = await readJson(await chat({ messages: user('Answer in JSON'), max_tokens: 200, seed, response_format: { type: 'json_schema', json_schema: { name: 'reply', schema } } }));
      assert.equal(at(body, 'choices', 0, 'finish_reason'), 'stop');
      const parsed = JSON.parse(String(at(body, 'choices', 0, 'message', 'content'))) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed).sort(), ['answer', 'confident', 'tags', 'word']);
      assert.ok(['yes', 'no', 'maybe'].includes(parsed.answer as string));
      assert.equal(typeof parsed.confident, 'boolean');
      assert.ok(typeof parsed.word === 'string' && parsed.word.length <= 8);
      assert.ok(Array.isArray(parsed.tags) && parsed.tags.length <= 3 && parsed.tags.every((t) => ['a', 'b', 'c'].includes(t as string)));
    }
  });

  it('refuses what it cannot do with a precise 400', async () => {
    // The demo's template renders tools (issue 11, item 23): a tool request is served, not refused.
    const tools = await chat({ messages: user('x'), tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }], max_tokens: 4 });
    assert.equal(tools.status, 200);
    assert.equal(at(await readJson(tools), 'choices', 0, 'message', 'role'), 'assistant');
    const n = await chat({ messages: user('x'), n: 2 });
    assert.equal(n.status, 400);
    assert.equal(at(await readJson(n), 'error', 'param'), 'n');
    const temp = await chat({ messages: user('x'), temperature: 5 });
    assert.equal(temp.status, 400);
    const long = await chat({ messages: user('x'.repeat(3000)), max_tokens: 4 });
    assert.equal(long.status, 400);
    assert.equal(at(await readJson(long), 'error', 'code'), 'context_length_exceeded');
    const longEmbedding = await send(backend, call('embeddings', { model: 'relais-demo', input: 'y'.repeat(3000) }));
    assert.equal(longEmbedding.status, 400);
    assert.equal(at(await readJson(longEmbedding), 'error', 'code'), 'context_length_exceeded');
    const echo = await send(backend, call('completions', { model: 'relais-demo', prompt: 'a', suffix: 'b', max_tokens: 2, echo: true }));
    assert.equal(echo.status, 400);
    assert.equal(at(await readJson(echo), 'error', 'param'), 'echo');
  });

  it('throws refusals as BackendError for the gateway: status, OpenAI body, retryable only when another try may work', async () => {
    const unknown = await backend.call(call('chat', { model: 'no-such-model', messages: user('x') }), never).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(unknown instanceof BackendError);
    assert.equal(unknown.failure, 'status');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.retryable, false);
    assert.match(unknown.body ?? '', /"code":"model_not_found"/);
    const corrupt = await backend.call(call('chat', { model: 'wrong-magic', messages: user('x') }), never).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(corrupt instanceof BackendError);
    assert.equal(corrupt.status, 500);
    // A bad file must not open the circuit breaker of the backend that serves the other models.
    assert.equal(corrupt.retryable, false);
    assert.match(corrupt.message, /wrong magic/);
  });

  it('answers 404 for an unknown model', async () => {
    const reply = await send(backend, call('chat', { model: 'no-such-model', messages: user('x') }), never);
    assert.equal(reply.status, 404);
    assert.equal(at(await readJson(reply), 'error', 'code'), 'model_not_found');
  });

  it('serves concurrent requests on parallel sequences, queues one, refuses the next with 429', async () => {
    // parallel 2 + queue 1: three long streams are admitted, the fourth is refused.
    const controllers = [0, 1, 2, 3].map(() => new AbortController());
    const replies = controllers.map((c, i) =>
      send(backend, call('chat', { model: 'endless', messages: user(`stream ${i}`), max_tokens: 1500, seed: i, stream: true }), c.signal),
    );
    const refused = await replies[3];
    assert.equal(refused?.status, 429);
    assert.ok(Number(refused?.headers['retry-after']) >= 1);
    // 429 may be retried on another deployment.
    await assert.rejects(backend.call(call('chat', { model: 'endless', messages: user('one more') }), never), (e: unknown) => e instanceof BackendError && e.status === 429 && e.retryable);
    assert.equal(at(await readJson(refused!), 'error', 'type'), 'rate_limit_error');
    const first = await replies[0];
    assert.equal(first?.status, 200);
    const status = backend.loaded().find((m) => m.name === 'endless');
    assert.equal(status?.running, 2);
    assert.equal(status?.waiting, 1);
    for (const c of controllers) c.abort();
    await Promise.allSettled(replies);
    await idle(backend);
    // Several complete requests at once finish with exact usage each.
    const bodies = await Promise.all([1, 2, 3].map((seed) => chat({ model: 'endless', messages: user('Hello'), max_tokens: 10, seed }).then(readJson)));
    for (const b of bodies) {
      assert.equal(at(b, 'usage', 'prompt_tokens'), 24);
      // The endless model rarely ends by itself (its end token is biased down, not removed): 'length' means all 10.
      const finish = at(b, 'choices', 0, 'finish_reason');
      assert.ok(finish === 'length' || finish === 'stop', String(finish));
      if (finish === 'length') assert.equal(at(b, 'usage', 'completion_tokens'), 10);
      else assert.ok(Number(at(b, 'usage', 'completion_tokens')) < 10);
      assert.equal(at(b, 'timings', 'predicted_n'), at(b, 'usage', 'completion_tokens'));
    }
  });

  it('drops a queued request whose client goes away, without leaking its place', async () => {
    const runners = [0, 1].map(() => new AbortController());
    const running = runners.map((c, i) => send(backend, call('chat', { model: 'endless', messages: user(`r${i}`), max_tokens: 1800, stream: true }), c.signal));
    await Promise.all(running);
    const queued = new AbortController();
    const waiting = send(backend, call('chat', { model: 'endless', messages: user('q'), max_tokens: 4 }), queued.signal);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(backend.loaded().find((m) => m.name === 'endless')?.waiting, 1);
    queued.abort();
    await assert.rejects(waiting, (e: unknown) => e instanceof BackendError && e.failure === 'aborted');
    assert.equal(backend.loaded().find((m) => m.name === 'endless')?.waiting, 0);
    for (const c of runners) c.abort();
    await idle(backend);
    // Both places are usable again.
    const after = await Promise.all([1, 2].map((seed) => chat({ model: 'endless', messages: user('again'), max_tokens: 3, seed })));
    for (const r of after) assert.equal(r.status, 200);
    await Promise.all(after.map(readText));
  });

  it('frees the sequence at once when the client aborts mid-stream', async () => {
    const controller = new AbortController();
    const reply = await send(backend, call('chat', { model: 'endless', messages: user('long'), max_tokens: 1800, stream: true }), controller.signal);
    const it = reply.body[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    assert.equal(backend.loaded().find((m) => m.name === 'endless')?.running, 1);
    const t0 = performance.now();
    controller.abort();
    await idle(backend);
    assert.ok(performance.now() - t0 < 500, 'sequence not freed within 500 ms');
    await it.return?.();
    // Stopping to read the body frees it too.
    const reply2 = await send(backend, call('chat', { model: 'endless', messages: user('long'), max_tokens: 1800, stream: true }), never);
    const it2 = reply2.body[Symbol.asyncIterator]();
    await it2.next();
    await it2.return?.();
    const t1 = performance.now();
    await idle(backend);
    assert.ok(performance.now() - t1 < 500, 'sequence not freed within 500 ms');
  });

  it('gives a clear error for a corrupt GGUF and keeps serving the other models', async () => {
    const truncated = await send(backend, call('chat', { model: 'truncated', messages: user('x') }), never);
    assert.equal(truncated.status, 500);
    const t = await readJson(truncated);
    assert.equal(at(t, 'error', 'code'), 'model_load_failed');
    assert.match(String(at(t, 'error', 'message')), /Model 'truncated' cannot be loaded: .*truncated file: tensor data needs \d+ bytes but the file has \d+/);
    const magic = await send(backend, call('completions', { model: 'wrong-magic', prompt: 'x' }), never);
    assert.equal(magic.status, 500);
    assert.match(String(at(await readJson(magic), 'error', 'message')), /not a GGUF file: wrong magic "GGJT"/);
    const ok = await send(backend, call('chat', { model: 'other', messages: user('still there?'), max_tokens: 4 }), never);
    assert.equal(ok.status, 200);
    const demo = await chat({ messages: user('and you?'), max_tokens: 4 });
    assert.equal(demo.status, 200);
    await readText(ok);
    await readText(demo);
  });
});
