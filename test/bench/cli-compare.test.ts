import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/bench.js';
import { readRun } from '../../src/bench/read-run.js';
import { compareRuns } from '../../src/bench/compare.js';
import type { BenchRun } from '../../src/bench/run-types.js';
import { startFakeServer } from './fake-openai-server.js';

/** Runs the command with console output captured. */
async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    const code = await run(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('relais bench writes run.json, CSV and HTML; the JSON round-trips through compare', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-cli-'));
  const fast = await startFakeServer({ ttftMs: 2, itlMs: 1 });
  const slow = await startFakeServer({ ttftMs: 80, itlMs: 10 }); // far apart, so a busy machine cannot reorder them
  try {
    const common = ['--concurrency', '1,4', '--prompt-tokens', '16,64', '--max-tokens', '6', '--requests', '8', '--warmup', '1', '--slo', 'ttft=50ms,e2e=2s', '--no-progress'];
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    const ra = await capture(['--url', `${fast.url}/v1`, ...common, '--out', a, '--csv', join(dir, 'a.csv'), '--samples-csv', join(dir, 's.csv'), '--html', join(dir, 'a.html')]);
    assert.equal(ra.code, 0, ra.err);
    assert.match(ra.out, /end-to-end latency, mean/);
    assert.match(ra.out, /conc \\ prompt/);
    const rb = await capture(['--url', slow.url, ...common, '--out', b]);
    assert.equal(rb.code, 0, rb.err);

    const runA = readRun(a);
    assert.equal(runA.cells.length, 4);
    assert.equal(runA.settings.requestsPerCell, 8);
    assert.equal(runA.cells[0]?.samples.length, 9);
    assert.ok(Date.parse(runA.date) > 0);
    const csv = readFileSync(join(dir, 'a.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 5, 'header + one row per cell');
    assert.match(csv[0] ?? '', /^concurrency,rate,prompt_tokens_target,status/);
    assert.equal(readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n').length, 1 + 4 * 9);

    const cmp = await capture(['compare', a, b, '--html', join(dir, 'cmp.html')]);
    assert.equal(cmp.code, 0, cmp.err);
    assert.match(cmp.out, /ratios b\/a per cell/);
    const cells = compareRuns(runA, readRun(b));
    assert.equal(cells.length, 4);
    for (const c of cells) {
      assert.ok(c.a && c.b);
      assert.ok((c.ratios.e2eMean ?? 0) > 1, 'the slower server has the higher latency');
    }
    const html = readFileSync(join(dir, 'cmp.html'), 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="compare-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '{}') as { cells: unknown[] };
    assert.equal(data.cells.length, 4);
    assert.match(html, /data-ratio="/);
  } finally {
    await fast.close();
    await slow.close();
  }
});

test('a dead endpoint: every cell n/a, exit code 1, the sweep completes', async () => {
  const srv = await startFakeServer();
  await srv.close();
  const r = await capture(['--url', srv.url, '--model', 'm', '--concurrency', '1,2', '--prompt-tokens', '8', '--requests', '4', '--no-progress']);
  assert.equal(r.code, 1);
  assert.equal((r.out.match(/n\/a/g) ?? []).length >= 2, true);
});

test('bad options get a precise error', async () => {
  const r = await capture(['--url', 'http://127.0.0.1:1', '--concurrency', '1,x']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--concurrency/);
  const f = await capture(['--url', 'http://127.0.0.1:1', '--find-max']);
  assert.match(f.err, /--find-max needs --slo/);
  const c = await capture(['compare', '/nonexistent.json', '/x.json']);
  assert.equal(c.code, 2);
  assert.match(c.err, /nonexistent/);
});

test('compare accepts a predicted run (summaries, no samples) against a measured one', async () => {
  const { runBench } = await import('../../src/bench/sweep.js');
  const { compareHtml } = await import('../../src/bench/compare-html.js');
  const { htmlReport } = await import('../../src/bench/report-html.js');
  const { compareText } = await import('../../src/bench/compare.js');
  const srv = await startFakeServer({ ttftMs: 2, itlMs: 1 });
  try {
    const measured = await runBench({
      url: srv.url,
      endpoint: 'chat',
      settings: {
        mode: 'concurrency', concurrency: [1, 2], rates: [], promptTokens: [16], output: { kind: 'fixed', tokens: 4 }, requestsPerCell: 4, warmupPerCell: 0,
        workload: { kind: 'random' }, stream: true, ignoreEos: false, temperature: 0, seed: 1, timeoutMs: 5000, cellTimeoutMs: 5000, maxErrorRate: 0.1, maxConcurrency: null,
      },
    });
    const stat = (v: number) => ({ n: 1, mean: v, median: v, p90: v, p99: v, min: v, max: v });
    const predicted: BenchRun = {
      ...measured,
      source: 'predicted',
      cells: measured.cells.map((c) => ({
        key: c.key,
        status: 'ok' as const,
        durationMs: 0,
        samples: [],
        summary: {
          requests: 0, completed: 0, errors: 0, warmup: 0, durationS: 0,
          e2eMs: stat(2 * (c.summary?.e2eMs.mean ?? 1)), ttftMs: stat(1), tpotMs: null, itlMs: null, promptTokens: null, completionTokens: null,
          requestThroughput: 1, outputTokenThroughput: 4, totalTokenThroughput: 20,
        },
      })),
    };
    const text = compareText(measured, predicted, 'e2e', 'mean');
    assert.match(text, /b: predicted/);
    assert.equal((text.match(/×2\.00/g) ?? []).length >= 2, true, 'predicted e2e twice the measured one');
    assert.match(compareHtml(measured, predicted), /data-ratio="2\.0000"/);
    assert.match(htmlReport(predicted), /<svg/, 'a predicted run renders its own report');
  } finally {
    await srv.close();
  }
});
