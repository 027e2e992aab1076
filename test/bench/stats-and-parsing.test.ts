import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, percentile, cdfPoints } from '../../src/bench/stats.js';
import { summarize, meetsSlo } from '../../src/bench/summarize.js';
import { SseDataLines } from '../../src/bench/sse-lines.js';
import { parseDuration, parseSlo, parseWarmup, parseNumberList } from '../../src/bench/cli-values.js';
import { parseOutputLength, sampleOutputLength } from '../../src/bench/output-length.js';
import { apiLocation } from '../../src/bench/endpoint-url.js';
import { seededRng } from '../../src/random/seeded-rng.js';
import type { RequestSample } from '../../src/bench/run-types.js';

test('percentiles interpolate between ranks like numpy', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(v, 50), 5.5);
  assert.equal(percentile(v, 90), 9.1);
  assert.ok(Math.abs(percentile(v, 99) - 9.91) < 1e-9);
  const d = describe([10, 1, 5]);
  assert.deepEqual(d, { n: 3, mean: 16 / 3, median: 5, p90: 9, p99: 9.9, min: 1, max: 10 });
  assert.equal(describe([]), null, 'unknown is not zero');
  const cdf = cdfPoints([3, 1, 2]);
  assert.deepEqual(cdf.at(-1), [3, 1]);
});

test('summaries exclude warm-up, count errors, and compute goodput', () => {
  const s = (over: Partial<RequestSample>): RequestSample => ({ index: 0, warmup: false, ok: true, startMs: 0, e2eMs: 100, ttftMs: 10, tpotMs: 5, maxTokens: 10, chunks: 10, completionTokens: 10, promptTokens: 20, ...over });
  const samples = [s({ warmup: true, e2eMs: 10_000 }), s({}), s({ e2eMs: 300, ttftMs: 200 }), s({ ok: false, error: 'x' })];
  const sum = summarize(samples, 1000, { ttftMs: 100 });
  assert.ok(sum);
  assert.equal(sum.requests, 3);
  assert.equal(sum.warmup, 1);
  assert.equal(sum.errors, 1);
  assert.equal(sum.e2eMs.max, 300, 'the slow warm-up request is not in the statistics');
  assert.equal(sum.requestThroughput, 2);
  assert.equal(sum.outputTokenThroughput, 20);
  assert.equal(sum.totalTokenThroughput, 60);
  assert.deepEqual(sum.goodput, { share: 1 / 3, requestsPerSecond: 1 });
  assert.equal(meetsSlo(s({ ttftMs: undefined }), { ttftMs: 100 }), false);
});

test('SSE data lines survive arbitrary chunk boundaries and CRLF', () => {
  const text = 'data: {"a":1}\r\n\r\n: comment\n\ndata: {"b":"é"}\n\ndata: [DONE]';
  const bytes = Buffer.from(text);
  for (let cut = 1; cut < bytes.length; cut++) {
    const out: string[] = [];
    const r = new SseDataLines();
    r.push(bytes.subarray(0, cut), (p) => out.push(p));
    r.push(bytes.subarray(cut), (p) => out.push(p));
    r.flush((p) => out.push(p));
    assert.deepEqual(out, ['{"a":1}', '{"b":"é"}', '[DONE]'], `cut at ${cut}`);
  }
});

test('option values: durations, SLOs, warm-up, lists, output lengths, URLs', () => {
  assert.equal(parseDuration('x', '500ms'), 500);
  assert.equal(parseDuration('x', '10s'), 10_000);
  assert.equal(parseDuration('x', '2m'), 120_000);
  assert.deepEqual(parseSlo('ttft=500ms,tpot=50ms,e2e=10s'), { ttftMs: 500, tpotMs: 50, e2eMs: 10_000 });
  assert.throws(() => parseSlo('foo=1s'), /unknown figure 'foo'/);
  assert.equal(parseWarmup('10%', 50), 5);
  assert.equal(parseWarmup('3', 50), 3);
  assert.deepEqual(parseNumberList('rate', '0.5,2', false), [0.5, 2]);
  assert.throws(() => parseNumberList('concurrency', '1,0'), /--concurrency/);
  assert.deepEqual(parseOutputLength('256'), { kind: 'fixed', tokens: 256 });
  assert.deepEqual(parseOutputLength('uniform:64,512'), { kind: 'uniform', min: 64, max: 512 });
  assert.throws(() => parseOutputLength('gamma:2'), /--max-tokens/);
  const rng = seededRng(1);
  for (let i = 0; i < 200; i++) {
    const n = sampleOutputLength({ kind: 'uniform', min: 10, max: 20 }, rng);
    assert.ok(n >= 10 && n <= 20 && Number.isInteger(n));
  }
  assert.deepEqual(apiLocation('http://h:8000'), { origin: 'http://h:8000', basePath: '/v1' });
  assert.deepEqual(apiLocation('http://h:8000/v1/'), { origin: 'http://h:8000', basePath: '/v1' });
  assert.deepEqual(apiLocation('https://h/proxy'), { origin: 'https://h', basePath: '/proxy/v1' });
});

test('a cell near the load generator ceiling gets a warning', async () => {
  const { loadgenWarnings } = await import('../../src/bench/loadgen-limits.js');
  const sample: RequestSample = { index: 0, warmup: false, ok: true, startMs: 0, e2eMs: 1, maxTokens: 1, chunks: 100 };
  const summary = summarize([sample], 1000);
  assert.ok(summary);
  const cell = { key: { concurrency: 1, rate: null, promptTokens: 1 }, status: 'ok' as const, durationMs: 1000, samples: [sample], summary };
  const ceiling = { requestsPerSecond: 1.5, chunksPerSecond: 1000, measured: 'test' };
  const w = loadgenWarnings(cell, ceiling);
  assert.equal(w.length, 1);
  assert.match(w[0] ?? '', /req\/s is over 50% of the load generator's ceiling/);
  assert.deepEqual(loadgenWarnings(cell, { ...ceiling, requestsPerSecond: 100 }), []);
  const busy = { ...cell, loadgen: { cpuFraction: 0.95, eventLoopDelayP99Ms: 30, wallMs: 5000 } };
  assert.equal(loadgenWarnings(busy, { ...ceiling, requestsPerSecond: 100 }).length, 2, 'CPU and event-loop delay');
});

test('find-max: a probe whose latency keeps growing has a growing queue', async () => {
  const { queueGrows } = await import('../../src/bench/find-max.js');
  const cellOf = (e2e: (i: number) => number) => ({
    key: { concurrency: null, rate: 10, promptTokens: 16 },
    status: 'ok' as const,
    durationMs: 1000,
    summary: null,
    samples: Array.from({ length: 60 }, (_, i): RequestSample => ({ index: i, warmup: false, ok: true, startMs: i * 100, e2eMs: e2e(i), maxTokens: 8, chunks: 8 })),
  });
  const rng = seededRng(3);
  assert.equal(queueGrows(cellOf(() => 100 + 50 * rng())), false, 'steady latency with noise');
  assert.equal(queueGrows(cellOf((i) => 100 + 10 * i)), true, 'latency rising with every arrival');
});
