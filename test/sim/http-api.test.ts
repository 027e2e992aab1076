// The simulated replica speaks vLLM's OpenAI API: checked with the official openai client and raw HTTP.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { parseEngineLoad } from '../../src/backends/engine-metrics.js';
import { flavours } from '../../src/backends/flavours.js';
import { fixtureModel } from './fixture-model.js';

let fleet: SimFleet;
let client: OpenAI;

before(async () => {
  fleet = await startSimFleet({ replicas: 2, replicaModel: fixtureModel({ kvBlocks: 4000 }), speed: 5, servedModelName: 'sim-model' });
  client = new OpenAI({ baseURL: `${fleet.urls[0]}/v1`, apiKey: 'none', maxRetries: 0 });
});
after(() => fleet.close());

const post = (url: string, path: string, body: unknown) =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('replicas listen on 127.0.0.1 and list the served model', async () => {
  assert.equal(fleet.ports.length, 2);
  assert.ok(fleet.urls.every((u) => u.startsWith('http://127.0.0.1:')));
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id), ['sim-model']);
  assert.equal((await fetch(`${fleet.urls[1]}/health`)).status, 200);
});

test('chat streaming: role, one chunk per token, finish_reason, usage chunk with include_usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'sim-model',
    messages: [{ role: 'user', content: 'hello '.repeat(100) }],
    max_tokens: 12,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let contentChunks = 0;
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | undefined;
  let role: string | undefined;
  for await (const chunk of stream) {
    const c = chunk.choices[0];
    if (c?.delta.role) role = c.delta.role;
    if (c?.delta.content) {
      text += c.delta.content;
      contentChunks++;
    }
    if (c?.finish_reason) finish = c.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(role, 'assistant');
  assert.equal(contentChunks, 12);
  assert.equal(text.length, 48, 'filler tokens are 4 characters');
  assert.equal(finish, 'length');
  assert.equal(usage?.completion_tokens, 12);
  assert.ok(usage!.prompt_tokens > 150 && usage!.prompt_tokens < 170, String(usage?.prompt_tokens));
});

test('non-streaming chat and completions always carry usage', async () => {
  const chat = await client.chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
  assert.equal(chat.choices[0]?.message.content, ' sim lab key');
  assert.equal(chat.usage?.completion_tokens, 3);
  const comp = await client.completions.create({ model: 'sim-model', prompt: 'x'.repeat(400), max_tokens: 5 });
  assert.equal(comp.usage?.prompt_tokens, 100, '4 characters per token');
  assert.equal(comp.usage?.completion_tokens, 5);
  const ids = await client.completions.create({ model: 'sim-model', prompt: [1, 2, 3, 4, 5, 6, 7], max_tokens: 1 });
  assert.equal(ids.usage?.prompt_tokens, 7, 'token ids are counted exactly');
});

test('without max_tokens the length comes from the output distribution and finishes with stop', async () => {
  const r = await client.chat.completions.create({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(r.choices[0]?.finish_reason, 'stop');
  assert.ok(r.usage!.completion_tokens > 0);
});

test('errors in vLLM shape: unknown model 404, bad body 400, too long 400, unknown route 404', async () => {
  const url = fleet.urls[0]!;
  const wrong = await post(url, '/v1/chat/completions', { model: 'nope', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(wrong.status, 404);
  const body = (await wrong.json()) as { error: { message: string; code: number } };
  assert.match(body.error.message, /does not exist/);
  assert.equal((await post(url, '/v1/chat/completions', { model: 'sim-model', messages: 'x' })).status, 400);
  assert.equal((await post(url, '/v1/completions', { model: 'sim-model', prompt: 'x', max_tokens: 0 })).status, 400);
  const long = await post(url, '/v1/completions', { model: 'sim-model', prompt: 'x'.repeat(40000), max_tokens: 10 });
  assert.equal(long.status, 400);
  assert.match(((await long.json()) as { error: { message: string } }).error.message, /maximum context length/);
  assert.equal((await fetch(`${url}/nowhere`)).status, 404);
});

test('metrics: vLLM names, cache config, token counters and prefix-cache hits', async () => {
  const url = fleet.urls[1]!;
  const prompt = 'The shared system prompt of a busy assistant. '.repeat(60);
  const first = await post(url, '/v1/completions', { model: 'sim-model', prompt, max_tokens: 4 });
  const firstUsage = ((await first.json()) as { usage: { prompt_tokens_details: { cached_tokens: number } } }).usage;
  assert.equal(firstUsage.prompt_tokens_details.cached_tokens, 0);
  const second = await post(url, '/v1/completions', { model: 'sim-model', prompt: prompt + ' and a new question', max_tokens: 4 });
  const secondUsage = ((await second.json()) as { usage: { prompt_tokens_details: { cached_tokens: number } } }).usage;
  assert.ok(secondUsage.prompt_tokens_details.cached_tokens === 688, String(secondUsage.prompt_tokens_details.cached_tokens));

  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(name + '{') || l.startsWith(name + ' '));
    assert.ok(line, `${name} present`);
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  };
  for (const g of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc']) {
    assert.match(text, new RegExp(`# TYPE ${g} gauge`));
    assert.equal(value(g), 0);
  }
  assert.match(text, /vllm:cache_config_info\{block_size="16",.*num_gpu_blocks="4000"\} 1/);
  assert.equal(value('vllm:prefix_cache_queries_total'), 690 + 695);
  assert.equal(value('vllm:prefix_cache_hits_total'), secondUsage.prompt_tokens_details.cached_tokens);
  assert.equal(value('vllm:generation_tokens_total'), 8);
  assert.equal(value('vllm:prompt_tokens_total'), 690 + 695);
  assert.equal(value('vllm:time_to_first_token_seconds_count'), 2);
  assert.equal(value('vllm:inter_token_latency_seconds_count'), 6);
  assert.match(text, /vllm:time_to_first_token_seconds_bucket\{engine="0",model_name="sim-model",le="\+Inf"\} 2/);
  assert.match(text, /# TYPE vllm:inter_token_latency_seconds histogram/);
});

test('client disconnect frees the sequence and its KV blocks', async () => {
  const replica = fleet.replicas[0]!;
  const res = await post(fleet.urls[0]!, '/v1/completions', { model: 'sim-model', prompt: 'y'.repeat(4000), max_tokens: 5000, stream: true });
  const reader = res.body!.getReader();
  await reader.read();
  assert.equal(replica.engine.numRunning, 1);
  assert.ok(replica.engine.kvUsage() > 0);
  await reader.cancel();
  for (let i = 0; i < 50 && replica.engine.numRunning > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(replica.engine.numRunning, 0);
  assert.equal(replica.engine.kvUsage(), 0);
  assert.equal(replica.metrics.finished.abort, 1);
});

test("the gateway's vLLM scraper reads the replica's load while a stream runs", async () => {
  const url = fleet.urls[1]!;
  const res = await post(url, '/v1/completions', { model: 'sim-model', prompt: 'w'.repeat(2000), max_tokens: 3000, stream: true });
  const reader = res.body!.getReader();
  await reader.read();
  const load = parseEngineLoad(await (await fetch(`${url}/metrics`)).text(), flavours.vllm.metrics!, Date.now());
  await reader.cancel();
  assert.equal(load.running, 1);
  assert.equal(load.waiting, 0);
  assert.equal(load.kvBlocks, 4000);
  assert.equal(load.blockSize, 16);
  assert.ok(load.kvUsage! > 0 && load.kvUsage! < 0.01, String(load.kvUsage));
});

test('multi-turn chat: the next turn hits the previous prompt and the output it re-sends', async () => {
  const replica = new OpenAI({ baseURL: `${fleet.urls[1]}/v1`, apiKey: 'none', maxRetries: 0 });
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Tell me about simulated engines. '.repeat(30) }];
  const first = await replica.chat.completions.create({ model: 'sim-model', messages, max_tokens: 64 });
  messages.push({ role: 'assistant', content: first.choices[0]!.message.content }, { role: 'user', content: 'And then?' });
  const second = await replica.chat.completions.create({ model: 'sim-model', messages, max_tokens: 4 });
  const cached = (second.usage as { prompt_tokens_details: { cached_tokens: number } }).prompt_tokens_details.cached_tokens;
  const firstTotal = first.usage!.prompt_tokens + 64;
  assert.ok(cached > first.usage!.prompt_tokens, `cached ${cached} > first prompt ${first.usage!.prompt_tokens}`);
  assert.ok(cached >= firstTotal - 32, `cached ${cached} covers the first turn (${firstTotal}) up to its last partial blocks`);
});
