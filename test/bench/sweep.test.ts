import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench } from '../../src/bench/sweep.js';
import type { BenchSettings } from '../../src/bench/run-types.js';
import { startFakeServer } from './fake-openai-server.js';

function settings(over: Partial<BenchSettings> = {}): BenchSettings {
  return {
    mode: 'concurrency',
    concurrency: [1, 2, 4],
    rates: [],
    promptTokens: [16, 64],
    output: { kind: 'fixed', tokens: 8 },
    requestsPerCell: 8,
    warmupPerCell: 2,
    workload: { kind: 'random' },
    stream: true,
    ignoreEos: true,
    temperature: 0,
    seed: 1,
    timeoutMs: 5000,
    cellTimeoutMs: 10_000,
    maxErrorRate: 0.1,
    maxConcurrency: null,
    ...over,
  };
}

test('the grid has the requested shape, warm-up is marked and excluded, server token counts are reported', async () => {
  const srv = await startFakeServer({ ttftMs: 5, itlMs: 1 });
  try {
    const run = await runBench({ url: srv.url, endpoint: 'chat', settings: settings() });
    assert.equal(run.cells.length, 6);
    assert.deepEqual(
      run.cells.map((c) => [c.key.concurrency, c.key.promptTokens]),
      [[1, 16], [1, 64], [2, 16], [2, 64], [4, 16], [4, 64]],
    );
    assert.equal(run.target.model, 'fake-model', 'model taken from /v1/models');
    assert.deepEqual((run.target.models as { data: { id: string }[] }).data[0]?.id, 'fake-model');
    assert.ok(run.calibration, 'calibrated against the server tokenizer');
    for (const c of run.cells) {
      assert.equal(c.status, 'ok');
      assert.equal(c.samples.length, 10);
      assert.equal(c.samples.filter((s) => s.warmup).length, 2);
      assert.ok(c.samples.filter((s) => s.warmup).every((s) => s.index < 2), 'the first requests are the warm-up');
      const s = c.summary;
      assert.ok(s);
      assert.equal(s.requests, 8);
      assert.equal(s.warmup, 2);
      assert.equal(s.completionTokens?.mean, 8);
      // Calibration makes the server-counted prompt size hit the target.
      assert.ok(Math.abs((s.promptTokens?.mean ?? 0) - (c.key.promptTokens ?? 0)) <= 1, `prompt ${s.promptTokens?.mean} vs ${c.key.promptTokens}`);
      // Node timers may fire up to a millisecond early against a cached loop clock.
      assert.ok(s.ttftMs && s.ttftMs.mean >= 4, 'ttft includes the server delay');
      assert.ok(s.itlMs && s.itlMs.n === 8 * 7, 'seven gaps per eight-token answer');
      assert.ok(s.tpotMs && s.tpotMs.mean >= 0.5);
      assert.ok(s.e2eMs.p99 >= s.e2eMs.median && s.e2eMs.median >= s.e2eMs.min);
      assert.ok(s.requestThroughput > 0 && s.outputTokenThroughput > s.requestThroughput);
    }
    const maxInFlight = srv.stats.maxInFlight;
    assert.equal(maxInFlight, 4, 'closed loop keeps exactly the concurrency in flight');
    const body = srv.stats.bodies.at(-1);
    assert.equal(body?.ignore_eos, true);
    assert.deepEqual(body?.stream_options, { include_usage: true });
  } finally {
    await srv.close();
  }
});

test('a failing cell is n/a and the sweep goes on; a dead endpoint gives n/a cells, not a crash', async () => {
  // Prompts of about 64 tokens reset the connection: that column fails, the other succeeds.
  const srv = await startFakeServer({ fail: (r) => (r.promptTokens > 40 && r.promptTokens < 100 ? 'reset' : null) });
  try {
    const run = await runBench({ url: srv.url, endpoint: 'chat', settings: settings({ concurrency: [1, 2] }) });
    assert.equal(run.cells.length, 4);
    for (const c of run.cells) {
      if (c.key.promptTokens === 64) {
        assert.equal(c.status, 'na');
        assert.match(c.reason ?? '', /failed/);
        assert.ok(c.samples.length < 10, 'a hopeless cell stops early');
      } else assert.equal(c.status, 'ok');
    }
  } finally {
    await srv.close();
  }
  const t0 = performance.now();
  const dead = await runBench({ url: srv.url, model: 'm', endpoint: 'chat', settings: settings() });
  assert.equal(dead.cells.length, 6);
  assert.ok(dead.cells.every((c) => c.status === 'na' && c.summary === null));
  assert.ok(dead.target.modelsError, 'the failed /v1/models read is recorded');
  assert.ok(performance.now() - t0 < 5000, 'a dead endpoint costs little time');
});

test('a hanging endpoint times out per cell and the next cell still runs', async () => {
  const srv = await startFakeServer({ fail: (r) => (r.promptTokens > 40 && r.promptTokens < 100 ? 'hang' : null) });
  try {
    const run = await runBench({ url: srv.url, endpoint: 'chat', settings: settings({ concurrency: [2], cellTimeoutMs: 400, timeoutMs: 300 }) });
    const [small, big] = run.cells;
    assert.equal(small?.status, 'ok');
    assert.equal(big?.status, 'na');
    assert.match(big?.reason ?? '', /timed out|timeout/);
  } finally {
    await srv.close();
  }
});

test('ignore_eos rejected by the server: the run falls back and warns', async () => {
  const srv = await startFakeServer({ rejectIgnoreEos: true, eosAfter: 3 });
  try {
    const run = await runBench({ url: srv.url, endpoint: 'chat', settings: settings({ concurrency: [1], promptTokens: [16] }) });
    assert.equal(run.cells[0]?.status, 'ok');
    assert.ok(run.warnings.some((w) => /ignore_eos/.test(w)));
    assert.equal(run.cells[0]?.summary?.completionTokens?.mean, 3, 'outputs ended early, as reported by the server');
  } finally {
    await srv.close();
  }
});

test('stream_options rejected by the server: the run drops it, warns, and counts chunks', async () => {
  const srv = await startFakeServer({ rejectStreamOptions: true });
  try {
    const run = await runBench({ url: srv.url, endpoint: 'chat', settings: settings({ concurrency: [2], promptTokens: [16] }) });
    const cell = run.cells[0];
    assert.equal(cell?.status, 'ok');
    assert.ok(run.warnings.some((w) => /stream_options/.test(w)));
    assert.equal(cell?.summary?.completionTokens, null, 'no server counts without usage');
    assert.equal(cell?.summary?.outputTokenThroughput, (8 * 8) / (cell?.summary?.durationS ?? 1), 'throughput from chunk counts');
  } finally {
    await srv.close();
  }
});

test('rate mode with Poisson arrivals reports goodput against the SLO', async () => {
  const srv = await startFakeServer({ ttftMs: 5, itlMs: 1 });
  try {
    const run = await runBench({
      url: srv.url,
      endpoint: 'completions',
      settings: settings({ mode: 'rate', concurrency: [], rates: [100, 200], promptTokens: [32], requestsPerCell: 20, slo: { ttftMs: 1, e2eMs: 5000 } }),
    });
    assert.deepEqual(run.cells.map((c) => c.key.rate), [100, 200]);
    for (const c of run.cells) {
      assert.equal(c.status, 'ok');
      // ttft ≥ 5 ms on this server, so nobody meets a 1 ms TTFT objective.
      assert.equal(c.summary?.goodput?.share, 0);
      const starts = c.samples.map((s) => s.startMs);
      assert.ok(Math.max(...starts) > 20, 'arrivals are spread over time, not a burst');
    }
  } finally {
    await srv.close();
  }
});

test('find-max searches the highest rate meeting the SLO on a saturating server', async () => {
  // One slot with 50 ms per request: 20 req/s at most; beyond that the queue grows without bound and
  // breaks a 250 ms e2e SLO. The SLO is loose against the service time so a busy machine still passes low rates.
  const srv = await startFakeServer({ slots: 1, ttftMs: 50, itlMs: 0 });
  try {
    const run = await runBench({
      url: srv.url,
      endpoint: 'chat',
      settings: settings({ mode: 'find-max', concurrency: [], rates: [4], promptTokens: [16], requestsPerCell: 12, warmupPerCell: 0, slo: { e2eMs: 250 }, sloTarget: 0.9, probeSeconds: 1 }),
    });
    const fm = run.findMax?.[0];
    assert.ok(fm, 'a find-max result per prompt size');
    assert.ok(fm.probes.length >= 3);
    assert.ok(fm.probes.some((p) => p.passed) && fm.probes.some((p) => !p.passed), JSON.stringify(fm.probes));
    assert.ok(fm.maxRate !== null && fm.maxRate < 32, `max rate ${fm.maxRate}`);
  } finally {
    await srv.close();
  }
});

test('workloads: shared prefixes, growing multi-turn chats, JSONL prompts, non-streamed requests', async () => {
  const srv = await startFakeServer({});
  try {
    await runBench({ url: srv.url, endpoint: 'chat', settings: settings({ concurrency: [2], promptTokens: [48], workload: { kind: 'shared-prefix', groups: 2, prefixTokens: 32 } }) });
    const texts = srv.stats.bodies.slice(-10).map((b) => (b.messages as { content: string }[])[0]?.content ?? '');
    const prefixes = new Set(texts.map((t) => t.split('\n\n')[0]));
    assert.equal(prefixes.size, 2, 'two groups, one prefix each');

    srv.stats.bodies.length = 0;
    const mt = await runBench({ url: srv.url, endpoint: 'chat', calibrate: false, settings: settings({ concurrency: [1], promptTokens: [16], workload: { kind: 'multi-turn', turns: 3 } }) });
    const lengths = srv.stats.bodies.filter((b) => b.max_tokens === 8).map((b) => (b.messages as unknown[]).length);
    assert.deepEqual(lengths.slice(0, 6), [1, 3, 5, 1, 3, 5], 'each chat grows by a reply and a question');
    const turn3 = mt.cells[0]?.samples.find((s) => s.turn === 3);
    const turn1 = mt.cells[0]?.samples.find((s) => s.turn === 1);
    assert.ok((turn3?.promptTokens ?? 0) > 2 * (turn1?.promptTokens ?? 0), 'server-counted prompts grow with the turns');

    const dir = mkdtempSync(join(tmpdir(), 'relais-bench-'));
    const file = join(dir, 'p.jsonl');
    writeFileSync(file, ['{"prompt":"one two three","max_tokens":3}', '{"messages":[{"role":"user","content":"a b"}]}', ''].join('\n'));
    const jr = await runBench({ url: srv.url, endpoint: 'chat', settings: settings({ concurrency: [1], promptTokens: [null], workload: { kind: 'jsonl', file, prompts: 2 }, stream: false }) });
    const cell = jr.cells[0];
    assert.equal(cell?.status, 'ok');
    assert.equal(cell?.key.promptTokens, null);
    assert.ok(cell?.samples.every((s) => s.ttftMs === undefined && s.e2eMs > 0), 'non-streamed: e2e only');
    assert.deepEqual(new Set(cell?.samples.map((s) => s.maxTokens)), new Set([3, 8]));
  } finally {
    await srv.close();
  }
});

test('find-max gives up, with no rate, when even a low rate misses the SLO (no probe of minutes)', async () => {
  const srv = await startFakeServer({ slots: 1, ttftMs: 40, itlMs: 0 });
  try {
    const t0 = Date.now();
    const run = await runBench({
      url: srv.url,
      endpoint: 'chat',
      settings: settings({ mode: 'find-max', concurrency: [], rates: [64], promptTokens: [16], requestsPerCell: 4, warmupPerCell: 0, slo: { e2eMs: 5 }, sloTarget: 0.9, probeSeconds: 0.1 }),
    });
    const fm = run.findMax?.[0];
    assert.equal(fm?.maxRate, null);
    assert.ok(fm.probes.every((p) => !p.passed));
    assert.ok(Math.min(...fm.probes.map((p) => p.rate)) >= 2, `stopped at 1/32 of the start: ${JSON.stringify(fm.probes.map((p) => p.rate))}`);
    assert.ok(Date.now() - t0 < 60_000);
  } finally {
    await srv.close();
  }
});

test('an interrupted sweep keeps the cells done so far', async () => {
  const srv = await startFakeServer({ ttftMs: 5, itlMs: 5 });
  try {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 250);
    const run = await runBench({ url: srv.url, endpoint: 'chat', signal: stop.signal, settings: settings({ concurrency: [1, 2, 4, 8], requestsPerCell: 10 }) });
    assert.ok(run.cells.length >= 1 && run.cells.length < 8, `${run.cells.length} cells`);
    const lastCell = run.cells.at(-1);
    assert.equal(lastCell?.status, 'na');
    assert.match(lastCell?.reason ?? '', /interrupted/);
    assert.ok(run.warnings.some((w) => /interrupted after/.test(w)));
  } finally {
    await srv.close();
  }
});
