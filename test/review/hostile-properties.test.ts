// Property-based (fast-check) review of the classes behind issue 11's items 1, 2 and 14: hostile
// numbers (1e400, -0, huge integers, strings as numbers, NaN-making values) and deep nesting, through
// every codec's parse and both limiters. Seeded (FC_SEED to change it), so a failure replays.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { LimiterInputError, type LimitSpec, type LimitState, type Limiter } from '../../src/access/limiter.js';
import { MemoryLimiter } from '../../src/access/memory-limiter.js';
import { RedisLimiter } from '../../src/access/redis-limiter.js';
import { estimatePromptTokens, type CanonicalRequest, type Endpoint } from '../../src/protocol/canonical.js';
import { GatewayError } from '../../src/protocol/errors.js';
import { parseOllamaRequest, type OllamaRoute } from '../../src/protocol/ollama-codec.js';
import { parseMessagesRequest } from '../../src/protocol/anthropic-codec.js';
import type { JsonObject } from '../../src/protocol/json.js';
import { parseOpenAIRequest } from '../../src/protocol/openai-codec.js';
import { parseResponsesRequest, responsesCanonical } from '../../src/protocol/responses-codec.js';
import { parseJson } from '../../src/server/body.js';
import { REDIS_URL, uniqueName } from '../store/services.js';

const seed = Number(process.env.FC_SEED ?? 1111);
const meta = { id: 'r', arrivedAt: 0 };

/** JSON text of a hostile "number": overflow, underflow, -0, past 2^53, strings, other types. */
const hostile = fc.oneof(
  fc.constantFrom('1e400', '-1e400', `1${'0'.repeat(400)}`, '-0', '0', '1e-400', '9007199254740993', '0.5', '1.5', '-1', '-2', '1e20', '2e9', '128', '129'),
  fc.constantFrom('"12"', '"1e400"', '"5m"', '"-1"', '"99999999999999999999h"', 'null', 'true', '[]', '{}', '[1e400]', '{"a":-1e400}'),
  fc.double().map((d) => (Number.isNaN(d) ? '"NaN"' : Number.isFinite(d) ? JSON.stringify(d) : d > 0 ? '1e999' : '-1e999')),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.integer({ min: -5, max: 200 }).map(String),
);

/** Puts each hostile literal at its dotted path in the base body, as text. */
function bodyText(base: Record<string, unknown>, fields: readonly (readonly [string, string])[]): string {
  const body = structuredClone(base);
  fields.forEach(([path, _], i) => {
    const parts = path.split('.');
    let at = body;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts[parts.length - 1] as string] = `__H${i}__`;
  });
  let text = JSON.stringify(body);
  fields.forEach(([, literal], i) => (text = text.replace(`"__H${i}__"`, literal)));
  return text;
}

function allFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(allFinite);
  if (v && typeof v === 'object') return Object.values(v).every(allFinite);
  return true;
}

/** What a parsed request must be, whatever came in: bounded numbers all the way to the engine body. */
function checkCanonical(r: CanonicalRequest): void {
  assert.ok(r.maxTokens === undefined || (Number.isInteger(r.maxTokens) && r.maxTokens >= 0 && r.maxTokens <= 10_000_000), `maxTokens ${r.maxTokens}`);
  assert.ok(r.choices === undefined || (Number.isInteger(r.choices) && r.choices >= 1 && r.choices <= 128), `choices ${r.choices}`);
  assert.ok(Number.isFinite(r.promptChars) && Number.isFinite(estimatePromptTokens(r)));
  assert.ok(r.keepAliveMs === undefined || r.keepAliveMs === -1 || (r.keepAliveMs >= 0 && r.keepAliveMs <= 100 * 365 * 86_400_000), `keep_alive ${r.keepAliveMs}`);
  assert.ok(allFinite(r.body), 'a non-finite number reached the engine body');
  JSON.stringify(r.body);
}

/** Parses as the gateway does: a 400 GatewayError, or a request meeting checkCanonical. Anything else fails. */
function parseOrRefuse(parse: (json: unknown) => CanonicalRequest, text: string): 'ok' | 'refused' {
  let r: CanonicalRequest;
  try {
    r = parse(parseJson(Buffer.from(text)));
  } catch (err) {
    assert.ok(err instanceof GatewayError, `not a GatewayError: ${String(err)}`);
    assert.equal(err.status, 400, err.message);
    assert.ok(err.param, `a 400 without the field's name: ${err.message}`);
    return 'refused';
  }
  checkCanonical(r);
  return 'ok';
}

const openai: { endpoint: Endpoint; base: Record<string, unknown>; fields: string[] }[] = [
  {
    endpoint: 'chat',
    base: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
    fields: ['temperature', 'top_p', 'n', 'best_of', 'seed', 'presence_penalty', 'frequency_penalty', 'max_tokens', 'max_completion_tokens', 'top_logprobs', 'top_k', 'min_p', 'repetition_penalty', 'length_penalty', 'min_tokens', 'logit_bias.7', 'an_engine_extra', 'stream_options.x'],
  },
  { endpoint: 'completions', base: { model: 'm', prompt: 'hi' }, fields: ['n', 'best_of', 'max_tokens', 'logprobs', 'temperature', 'truncate_prompt_tokens', 'logit_bias.1'] },
  { endpoint: 'embeddings', base: { model: 'm', input: 'hi' }, fields: ['dimensions', 'an_engine_extra'] },
];

const ollamaOptions = ['num_predict', 'num_ctx', 'num_keep', 'num_batch', 'num_gpu', 'main_gpu', 'num_thread', 'repeat_last_n', 'temperature', 'top_p', 'top_k', 'min_p', 'typical_p', 'tfs_z', 'seed', 'presence_penalty', 'frequency_penalty', 'repeat_penalty', 'mirostat', 'mirostat_tau', 'mirostat_eta', 'an_unknown_option'];
const ollama: { route: OllamaRoute; base: Record<string, unknown>; fields: string[] }[] = [
  { route: 'chat', base: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, fields: [...ollamaOptions.map((o) => `options.${o}`), 'keep_alive'] },
  { route: 'generate', base: { model: 'm', prompt: 'hi' }, fields: [...ollamaOptions.map((o) => `options.${o}`), 'keep_alive'] },
  { route: 'embed', base: { model: 'm', input: 'hi' }, fields: ['keep_alive'] },
];

/** The translating families: their own fields, refused (unknown) or bounded, all the way to the chat body. */
const families: { name: string; parse: (j: unknown) => CanonicalRequest; base: Record<string, unknown>; fields: string[] }[] = [
  {
    name: 'Responses',
    parse: (j) => responsesCanonical(parseResponsesRequest(j, true), j as JsonObject, undefined, meta, 'm'),
    base: { model: 'm', input: 'hi' },
    fields: ['temperature', 'top_p', 'max_output_tokens', 'top_logprobs', 'max_tool_calls', 'metadata.k', 'text.format', 'reasoning.effort', 'an_engine_extra'],
  },
  {
    name: 'Messages',
    parse: (j) => parseMessagesRequest(j, meta, (n) => n).request,
    base: { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] },
    fields: ['max_tokens', 'temperature', 'top_p', 'top_k', 'metadata.user_id', 'stop_sequences', 'an_engine_extra'],
  },
];

describe('properties: hostile numbers through every codec', () => {
  for (const c of families) {
    it(`${c.name}: every numeric field refuses or bounds any number`, () => {
      const outcomes = { ok: 0, refused: 0 };
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom(...c.fields), hostile), { minLength: 1, maxLength: 4 }), (fields) => {
          outcomes[parseOrRefuse(c.parse, bodyText(c.base, fields))]++;
        }),
        { seed, numRuns: 400 },
      );
      assert.ok(outcomes.ok > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
    });
  }
  for (const c of openai) {
    it(`OpenAI ${c.endpoint}: every numeric field refuses or bounds any number`, () => {
      const outcomes = { ok: 0, refused: 0 };
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom(...c.fields), hostile), { minLength: 1, maxLength: 4 }), (fields) => {
          outcomes[parseOrRefuse((j) => parseOpenAIRequest(c.endpoint, j, meta), bodyText(c.base, fields))]++;
        }),
        { seed, numRuns: 400 },
      );
      assert.ok(outcomes.ok > 0 && outcomes.refused > 0, JSON.stringify(outcomes));
    });
  }
  for (const c of ollama) {
    it(`Ollama ${c.route}: every option and keep_alive refuses or bounds any number`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom(...c.fields), hostile), { minLength: 1, maxLength: 4 }), (fields) => {
          parseOrRefuse((j) => parseOllamaRequest(c.route, j, meta, (n) => n).request, bodyText(c.base, fields));
        }),
        { seed, numRuns: 400 },
      );
    });
  }
});

describe('properties: nesting at any depth, anywhere', () => {
  const places: { parse: (j: unknown) => CanonicalRequest; wrap: (inner: string) => string; depthBefore: number }[] = [
    { parse: (j) => parseOpenAIRequest('chat', j, meta), wrap: (x) => `{"model":"m","messages":[{"role":"user","content":"hi"}],"extra":${x}}`, depthBefore: 1 },
    { parse: (j) => parseOpenAIRequest('chat', j, meta), wrap: (x) => `{"model":"m","messages":[{"role":"user","content":${x}}]}`, depthBefore: 3 },
    { parse: (j) => parseOllamaRequest('generate', j, meta, (n) => n).request, wrap: (x) => `{"model":"m","prompt":"hi","format":${x}}`, depthBefore: 1 },
    { parse: (j) => parseOllamaRequest('chat', j, meta, (n) => n).request, wrap: (x) => `{"model":"m","messages":[],"options":{"stop":${x}}}`, depthBefore: 2 },
    { parse: (j) => parseOpenAIRequest('embeddings', j, meta), wrap: (x) => x, depthBefore: 0 },
  ];
  it('deeper than 64 levels is a 400 at parse; shallower never breaks what follows', () => {
    const depth = fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 60, max: 70 }), fc.integer({ min: 1_000, max: 100_000 }));
    fc.assert(
      fc.property(fc.constantFrom(...places), depth, fc.boolean(), (place, d, arrays) => {
        const inner = arrays ? '['.repeat(d) + ']'.repeat(d) : '{"a":'.repeat(d) + '1' + '}'.repeat(d);
        const text = place.wrap(inner);
        if (place.depthBefore + d > 64) {
          assert.throws(() => parseJson(Buffer.from(text)), (e: unknown) => e instanceof GatewayError && e.status === 400 && e.code === 'json_too_deep');
        } else {
          parseOrRefuse(place.parse, text);
        }
      }),
      { seed, numRuns: 300 },
    );
  });
});

describe('properties: limiters never hold a non-finite number', () => {
  const opened: Limiter[] = [];
  after(async () => {
    await Promise.all(opened.map((l) => l.close()));
  });
  const anyNumber = fc.oneof(
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, -1, 0.5, 1e300, 2 ** 53 + 2, 2 ** 41, Number.MAX_VALUE, Number.MIN_VALUE),
    fc.integer({ min: 0, max: 5_000 }),
    fc.double({ min: 0, max: 10, noNaN: true }),
  );
  const op = fc.record({ release: fc.boolean(), tokens: anyNumber, reserve: anyNumber, realTokens: anyNumber, cost: anyNumber });

  function checkState(s: LimitState): void {
    for (const w of [s.rpm, s.tpm]) if (w) assert.ok([w.used, w.remaining, w.resetMs].every(Number.isFinite), JSON.stringify(w));
    assert.ok(Number.isFinite(s.inflight));
    if (s.budget) assert.ok(Number.isFinite(s.budget.spent) && Number.isFinite(s.budget.reserved) && s.budget.spent >= 0, JSON.stringify(s.budget));
  }

  const kinds: { name: string; runs: number; make: () => Limiter }[] = [
    { name: 'memory', runs: 300, make: () => new MemoryLimiter({ windowMs: 60_000 }) },
    {
      name: 'redis',
      runs: 60,
      make: () => {
        const l = new RedisLimiter({ url: REDIS_URL, prefix: uniqueName('relais_prop'), windowMs: 60_000, warn: () => undefined });
        opened.push(l);
        return l;
      },
    },
  ];
  for (const kind of kinds) {
    it(`${kind.name}: acquire refuses what it cannot count, release charges the reservation for a cost it cannot take`, async () => {
      const limiter = kind.make();
      let subject = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
          const s = `s${++subject}`;
          const spec: LimitSpec = { rpm: 1_000, tpm: 1_000_000_000, concurrency: 100, budget: { limit: 1e6, periodStart: 0, periodEnd: null, seed: 0 } };
          const held: string[] = [];
          let i = 0;
          for (const o of ops) {
            const requestId = `${s}-${i++}`;
            const valid = Number.isInteger(o.tokens) && o.tokens >= 0 && o.tokens <= 2 ** 40 && Number.isFinite(o.reserve) && o.reserve >= 0 && o.reserve <= 1e9;
            try {
              const r = await limiter.acquire(s, spec, { requestId, tokens: o.tokens, reserve: o.reserve });
              assert.ok(valid, `accepted tokens ${o.tokens}, reserve ${o.reserve}`);
              checkState(r.state);
              if (r.ok) held.push(requestId);
            } catch (err) {
              assert.ok(err instanceof LimiterInputError && !valid, String(err));
            }
            if (o.release && held.length > 0) {
              await limiter.release(s, spec, { requestId: held.shift() as string, tokens: o.realTokens, cost: o.cost });
            }
          }
          for (const id of held) await limiter.release(s, spec, { requestId: id, tokens: 0, cost: 0 });
          const end = await limiter.peek(s, spec);
          checkState(end);
          assert.equal(end.inflight, 0);
          assert.equal(end.budget?.reserved, 0);
        }),
        { seed, numRuns: kind.runs },
      );
    });
  }
});
