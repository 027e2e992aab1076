// Review (issue 11, items 2 and 3): 300 concurrent requests against a budget for about 20 overspend by
// at most one reservation — with n / best_of, without max_tokens, and with tiny chat prompts whose
// template costs far more than their characters. The engine bills as vLLM does: the prompt as the
// chat template renders it, and n × the tokens each sequence generated (to max_tokens, or to the
// end of the context when none is given).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, startEngine, type Engine } from './harness.js';
import { startKeyedGateway, type KeyedGateway } from './keyed-gateway.js';

const CONTEXT = 4096;
const CONCURRENT = 300;

/** Prompt tokens of Llama 3.1's template: BOS, its default system block (date lines), a header and end per message, the assistant header. */
function llama31PromptTokens(messages: unknown): number {
  const list = Array.isArray(messages) ? (messages as { content?: unknown }[]) : [];
  const text = list.reduce((n, m) => n + 5 + Math.ceil((typeof m.content === 'string' ? m.content.length : 0) / 4), 0);
  return 1 + 25 + text + 4;
}

interface Billed {
  prompt: number;
  completion: number;
}

describe('review: budgets under 300 concurrent requests', () => {
  let engine: Engine;
  let gw: KeyedGateway;
  const seen: Record<string, unknown>[] = [];
  /** The costliest request the engine billed (credits = tokens: the price is 1 per token). */
  let worst = 0;

  before(async () => {
    engine = await startEngine(async (_req, res, body) => {
      seen.push(body);
      // best_of sequences are all generated (and billed), n of them returned.
      const n = Math.max(typeof body.n === 'number' ? body.n : 1, typeof body.best_of === 'number' ? body.best_of : 1);
      const limit = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : undefined;
      // A raw prompt (completions) is not templated: BOS and its text.
      const prompt = typeof body.prompt === 'string' ? 1 + Math.ceil(body.prompt.length / 4) : llama31PromptTokens(body.messages);
      const b: Billed = { prompt, completion: n * (limit ?? CONTEXT - prompt) };
      worst = Math.max(worst, b.prompt + b.completion);
      await sleep(20 + Math.random() * 40);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        id: 'c', object: 'chat.completion', created: 1, model: body.model,
        choices: Array.from({ length: n }, (_, index) => ({ index, message: { role: 'assistant', content: 'x' }, finish_reason: 'length' })),
        usage: { prompt_tokens: b.prompt, completion_tokens: b.completion, total_tokens: b.prompt + b.completion },
      }));
    });
    gw = await startKeyedGateway({
      backends: { e: { kind: 'vllm', url: engine.url } },
      // One credit per token, in and out: spend reads directly in tokens.
      models: [{ name: 'm', deployments: [{ backend: 'e', model: 'm' }], price: { input: 1e6, output: 1e6 } }],
      limits: { default_max_tokens: 64 },
    });
  });
  after(async () => {
    await gw.close();
    await engine.close();
  });

  /** Sends CONCURRENT requests at once; returns admitted count, final spend and overspend. */
  async function burst(budget: number, path: string, body: Record<string, unknown>): Promise<{ admitted: number; spent: number; overspend: number }> {
    const { secret } = await gw.key({ budget, budget_period: 'monthly' });
    worst = 0;
    const statuses = await Promise.all(Array.from({ length: CONCURRENT }, () => gw.post(path, body, secret).then((r) => r.status)));
    for (const s of statuses) assert.ok(s === 200 || s === 402, `status ${s}`);
    const spent = await gw.spent(secret);
    return { admitted: statuses.filter((s) => s === 200).length, spent, overspend: spent - budget };
  }

  it('n: 128 is reserved as 128 × max_tokens (item 2)', async () => {
    const body = { model: 'm', n: 128, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    // A request costs 36 prompt + 128 × 16 = 2,084 credits: a budget for about 20.
    const r = await burst(20 * 2084, '/v1/chat/completions', body);
    console.log(`# n=128: ${r.admitted} admitted of ${CONCURRENT}, spent ${r.spent} of ${20 * 2084}, overspend ${(r.overspend / worst).toFixed(2)} requests`);
    assert.ok(r.admitted >= 1);
    assert.ok(r.overspend <= worst, `overspend ${r.overspend} credits, one request costs ${worst}`);
  });

  it('best_of is reserved like n (item 2)', async () => {
    const body = { model: 'm', prompt: 'hi', best_of: 32, max_tokens: 16 };
    // 2 prompt + 32 × 16 = 514 credits a request.
    const r = await burst(20 * 514, '/v1/completions', body);
    console.log(`# best_of=32: ${r.admitted} admitted, spent ${r.spent} of ${20 * 514}, overspend ${(r.overspend / worst).toFixed(2)} requests`);
    assert.ok(r.overspend <= worst, `overspend ${r.overspend} credits, one request costs ${worst}`);
  });

  it('a request without max_tokens is reserved at limits.default_max_tokens and the engine is told so (item 2)', async () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    seen.length = 0;
    const r = await burst(20 * 100, '/v1/chat/completions', body);
    console.log(`# no max_tokens: ${r.admitted} admitted, spent ${r.spent} of ${20 * 100}, overspend ${(r.overspend / worst).toFixed(2)} requests`);
    assert.ok(seen.length > 0 && seen.every((b) => b.max_tokens === 64), `engine saw max_tokens ${String(seen[0]?.max_tokens)}`);
    assert.ok(r.overspend <= worst, `overspend ${r.overspend} credits, one request costs ${worst}`);
  });

  it('an Ollama request with num_predict -1 is bounded the same way (item 2)', async () => {
    const { secret } = await gw.key({ budget: 1000, budget_period: 'monthly' });
    seen.length = 0;
    const r = await gw.post('/api/generate', { model: 'm', prompt: 'hi', stream: false, options: { num_predict: -1 } }, secret);
    assert.equal(r.status, 200, r.text);
    assert.equal(seen[0]?.max_tokens, 64);
  });

  it('a key without limits is not cut at the default: its engine call keeps no max_tokens', async () => {
    const { secret } = await gw.key({});
    seen.length = 0;
    const r = await gw.post('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, secret);
    assert.equal(r.status, 200, r.text);
    assert.equal(seen[0]?.max_tokens, undefined);
  });

  it('300 concurrent "hi" requests overspend by at most one reservation (item 3)', async () => {
    const body = { model: 'm', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] };
    // The engine bills 36 + 4 = 40 per request; characters alone say 1 + 4 = 5.
    const r = await burst(20 * 40, '/v1/chat/completions', body);
    console.log(`# "hi" ×${CONCURRENT}: ${r.admitted} admitted, spent ${r.spent} of ${20 * 40}, overspend ${(r.overspend / worst).toFixed(2)} requests`);
    assert.ok(r.admitted >= 18, `admitted ${r.admitted}`);
    assert.ok(r.overspend <= worst, `overspend ${r.overspend} credits, one request costs ${worst}`);
  });
});
