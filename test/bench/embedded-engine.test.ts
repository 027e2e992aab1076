import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBackend, ensureDemoModel, DEMO_MODEL_NAME } from '../../src/backends/embedded.js';
import { runBench } from '../../src/bench/sweep.js';
import { serveBackend } from './embedded-http.js';

test('bench against the embedded llama.cpp engine (tiny model): real usage counts, queueing beyond its slots', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'relais-bench-engine-'));
  await ensureDemoModel(dir);
  // Two parallel sequences: at four in flight, two requests wait for a slot.
  const backend = createEmbeddedBackend('local', { kind: 'embedded', models_dir: dir, zone: 'local', parallel: 2, queue: 64, context: 2048, threads: 1, keep_alive: '5m', max_loaded_models: 1, gpu: false });
  const srv = await serveBackend(backend, [DEMO_MODEL_NAME]);
  try {
    const run = await runBench({
      url: srv.url,
      endpoint: 'chat',
      settings: {
        mode: 'concurrency', concurrency: [1, 4], rates: [], promptTokens: [64, 256], output: { kind: 'fixed', tokens: 16 },
        requestsPerCell: 8, warmupPerCell: 1, workload: { kind: 'random' }, stream: true, ignoreEos: true, temperature: 0, seed: 5,
        timeoutMs: 30_000, cellTimeoutMs: 60_000, maxErrorRate: 0.1, maxConcurrency: null,
      },
    });
    assert.equal(run.target.model, DEMO_MODEL_NAME);
    assert.ok(run.calibration, `calibrated: ${run.warnings.join('; ')}`);
    assert.ok(run.cells.every((c) => c.status === 'ok'), run.cells.map((c) => c.reason ?? 'ok').join(', '));
    for (const c of run.cells) {
      const s = c.summary;
      assert.ok(s);
      assert.equal(s.completionTokens?.mean, 16, 'ignore_eos: exactly max_tokens, counted by llama.cpp');
      const target = c.key.promptTokens ?? 0;
      assert.ok(Math.abs((s.promptTokens?.mean ?? 0) - target) / target < 0.15, `server-counted prompt ${s.promptTokens?.mean} near ${target}`);
      // One gap per streamed token after the first: 15 per request, 14 when node-llama-cpp drops a
      // leading space token from the reply's text (the demo template is rendered by its Jinja wrapper).
      const gaps = s.itlMs?.n ?? 0;
      assert.ok(gaps >= 8 * 14 && gaps <= 8 * 15, `${gaps} inter-token gaps`);
    }
    const ttft = (c: number, p: number): number => run.cells.find((x) => x.key.concurrency === c && x.key.promptTokens === p)?.summary?.ttftMs?.median ?? NaN;
    for (const p of [64, 256]) assert.ok(ttft(4, p) > 1.5 * ttft(1, p), `prompt ${p}: ttft c=4 ${ttft(4, p)} > 1.5 × c=1 ${ttft(1, p)}`);
  } finally {
    await srv.close();
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  }
});
