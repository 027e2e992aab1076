// Review (issue 11, items 1 and 14): numbers that JSON.parse turns into Infinity, engine usage that
// cannot be a count, and JSON nested 10^4–10^5 levels deep. Each is refused (400, naming the field)
// before it reaches an engine, a limiter or a price, and the key's budget and tpm keep holding.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemoryLimiter } from '../../src/access/memory-limiter.js';
import { sleep, startEngine, type Engine } from './harness.js';
import { startKeyedGateway, type KeyedGateway } from './keyed-gateway.js';

/** Nested `depth` levels: `{"a":{"a":…1…}}` or `[[…]]`. */
const nestedObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const nestedArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('review: hostile numbers and nesting over HTTP', () => {
  let engine: Engine;
  let gw: KeyedGateway;
  /** What the engine reports as usage, raw JSON text (so it can hold 1e400). */
  let usageText = '{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14}';

  before(async () => {
    engine = await startEngine(async (_req, res, body) => {
      await sleep(5);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"id":"c","object":"chat.completion","created":1,"model":${JSON.stringify(body.model)},"choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":${usageText}}`);
    });
    gw = await startKeyedGateway({
      backends: { e: { kind: 'vllm', url: engine.url } },
      // 0.001 credits per token.
      models: [{ name: 'm', deployments: [{ backend: 'e', model: 'm' }], price: { input: 1000, output: 1000 } }],
    });
  });
  after(async () => {
    await gw.close();
    await engine.close();
  });

  it('options.num_predict 1e400 is a 400 naming the field, and the key keeps its tpm and budget (item 1)', async () => {
    const { secret } = await gw.key({ budget: 0.5, tpm: 60 });
    const before = engine.posts;
    const r = await gw.post('/api/generate', '{"model":"m","prompt":"hi","stream":false,"options":{"num_predict":1e400}}', secret);
    assert.equal(r.status, 400, r.text);
    assert.match(String(r.json.error), /options\.num_predict/);
    assert.equal(engine.posts, before, 'the engine never saw it');
    // 20 requests reserving about 45 tokens each (settled at the engine's 14) against tpm 60: two pass, then the window is full.
    let ok = 0;
    for (let i = 0; i < 20; i++) {
      const x = await gw.post('/v1/chat/completions', { model: 'm', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }, secret);
      assert.ok(x.status === 200 || x.status === 429, x.text);
      if (x.status === 200) ok++;
    }
    assert.ok(ok >= 1 && ok <= 2, `${ok} of 20 passed a tpm of 60`);
    const spent = await gw.spent(secret);
    assert.ok(Number.isFinite(spent) && spent < 0.5, `spent ${spent}`);
  });

  it('every numeric field of every codec refuses a non-finite number with a 400 that names it (item 1)', async () => {
    const { secret } = await gw.key({});
    const cases: [string, string, string][] = [
      ['/v1/chat/completions', '{"model":"m","messages":[{"role":"user","content":"hi"}],"top_k":1e400}', 'top_k'],
      ['/v1/chat/completions', '{"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"42":-1e400}}', 'logit_bias.42'],
      ['/v1/chat/completions', '{"model":"m","messages":[{"role":"user","content":"hi"}],"some_engine_extra":[1,2,1e999]}', 'some_engine_extra[2]'],
      ['/v1/completions', '{"model":"m","prompt":"hi","best_of":1e400}', 'best_of'],
      ['/v1/completions', '{"model":"m","prompt":"hi","min_tokens":1e20}', 'min_tokens'],
      ['/v1/embeddings', '{"model":"m","input":"hi","dimensions":1e400}', 'dimensions'],
      ['/api/chat', '{"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"num_ctx":1e400}}', 'options.num_ctx'],
      ['/api/chat', '{"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"num_ctx":1e30}}', 'options.num_ctx'],
      ['/api/generate', '{"model":"m","prompt":"hi","options":{"temperature":"0.5"}}', 'options.temperature'],
      ['/api/generate', '{"model":"m","prompt":"hi","keep_alive":1e300}', 'keep_alive'],
      ['/api/generate', '{"model":"m","prompt":"hi","keep_alive":"99999999999999999999h"}', 'keep_alive'],
      ['/api/embed', '{"model":"m","input":"hi","keep_alive":-1e400}', 'keep_alive'],
    ];
    const before = engine.posts;
    for (const [path, body, field] of cases) {
      const r = await gw.post(path, body, secret);
      assert.equal(r.status, 400, `${path} ${body}: ${r.text}`);
      const message = path.startsWith('/api/') ? String(r.json.error) : String((r.json.error as { message: string }).message);
      assert.ok(message.includes(field), `${body}: '${message}' does not name ${field}`);
    }
    assert.equal(engine.posts, before);
  });

  it('usage an engine reports as 1e400 or -5 is not believed: the estimate is charged, the budget stays finite (item 1)', async () => {
    const { secret } = await gw.key({ budget: 1 });
    try {
      for (const u of ['{"prompt_tokens":1e400,"completion_tokens":4}', '{"prompt_tokens":-5,"completion_tokens":1e308}', '{"prompt_tokens":"10","completion_tokens":4.5}']) {
        usageText = u;
        const r = await gw.post('/v1/chat/completions', { model: 'm', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }, secret);
        assert.equal(r.status, 200, r.text);
      }
    } finally {
      usageText = '{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14}';
    }
    const spent = await gw.spent(secret);
    assert.ok(Number.isFinite(spent) && spent > 0 && spent < 1, `spent ${spent}`);
    const r = await gw.post('/v1/chat/completions', { model: 'm', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }, secret);
    assert.equal(r.status, 200, 'the budget still has room');
  });

  it('JSON nested 10^4 and 10^5 levels, in the body, Ollama format or options, is a 400 at parse (item 14)', async () => {
    const { secret } = await gw.key({});
    const before = engine.posts;
    for (const depth of [10_000, 100_000]) {
      const bodies: [string, string][] = [
        ['/v1/chat/completions', `{"model":"m","messages":[{"role":"user","content":"hi"}],"extra":${nestedObject(depth)}}`],
        ['/v1/chat/completions', `{"model":"m","messages":[{"role":"user","content":${nestedArray(depth)}}]}`],
        ['/api/generate', `{"model":"m","prompt":"hi","stream":false,"format":${nestedObject(depth)}}`],
        ['/api/chat', `{"model":"m","messages":[{"role":"user","content":"hi"}],"options":{"stop":${nestedArray(depth)}}}`],
        ['/v1/embeddings', nestedArray(depth)],
      ];
      for (const [path, body] of bodies) {
        const r = await gw.post(path, body, secret);
        assert.equal(r.status, 400, `${path} depth ${depth}: ${r.status} ${r.text.slice(0, 200)}`);
        assert.match(r.text, /nests deeper than 64 levels/);
      }
    }
    assert.equal(engine.posts, before, 'no engine was called');
    // The model is not taken away from anyone: the next request is served.
    const ok = await gw.post('/v1/chat/completions', { model: 'm', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }, secret);
    assert.equal(ok.status, 200, ok.text);
  });
});

describe('review: limiter answers to hostile numbers (item 1)', () => {
  it('a request larger than the whole tpm gets a finite Retry-After (the window empties)', async () => {
    const l = new MemoryLimiter({ windowMs: 60_000 });
    const spec = { rpm: null, tpm: 100, concurrency: null, budget: null };
    assert.ok((await l.acquire('k', spec, { requestId: 'a', tokens: 50, reserve: 0 })).ok);
    const r = await l.acquire('k', spec, { requestId: 'b', tokens: 500, reserve: 0 });
    assert.ok(!r.ok && r.reason === 'tpm');
    assert.ok(Number.isFinite(r.retryAfterMs) && r.retryAfterMs <= 60_000, `retry after ${r.retryAfterMs}`);
  });
});
