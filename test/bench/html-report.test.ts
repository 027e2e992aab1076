import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { runBench } from '../../src/bench/sweep.js';
import { htmlReport } from '../../src/bench/report-html.js';
import { compareHtml } from '../../src/bench/compare-html.js';
import { formatMs } from '../../src/bench/grid.js';
import type { ChartData } from '../../src/bench/chart-data.js';
import type { BenchRun } from '../../src/bench/run-types.js';
import { startFakeServer } from './fake-openai-server.js';

function embedded<T>(html: string, id: string): T {
  const m = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(html);
  assert.ok(m?.[1], `embedded ${id}`);
  return JSON.parse(m[1]) as T;
}

async function sampleRun(): Promise<BenchRun> {
  const srv = await startFakeServer({ ttftMs: 2, itlMs: 1, fail: (r) => (r.promptTokens > 40 && r.promptTokens < 100 ? 'error500' : null) });
  try {
    return await runBench({
      url: srv.url,
      endpoint: 'chat',
      settings: {
        mode: 'concurrency', concurrency: [1, 2, 4], rates: [], promptTokens: [16, 64, 128], output: { kind: 'fixed', tokens: 8 },
        requestsPerCell: 8, warmupPerCell: 1, workload: { kind: 'random' }, stream: true, ignoreEos: false, temperature: 0, seed: 3,
        timeoutMs: 5000, cellTimeoutMs: 10_000, maxErrorRate: 0.1, maxConcurrency: null,
      },
    });
  } finally {
    await srv.close();
  }
}

test('the HTML report carries the charts data and renders in Chromium without errors', async () => {
  const run = await sampleRun();
  const html = htmlReport(run);
  assert.doesNotMatch(html, /\ssrc=|<link|@import|url\(/, 'self-contained: nothing to fetch');

  const data = embedded<{ charts: ChartData }>(html, 'bench-data');
  const mean16 = data.charts.latency.find((s) => s.name === 'prompt 16 mean');
  assert.ok(mean16);
  const expected = run.cells.filter((c) => c.key.promptTokens === 16).map((c) => [c.key.concurrency, Math.round((c.summary?.e2eMs.mean ?? 0) * 1000) / 1000]);
  assert.deepEqual(mean16.points, expected, 'latency series = cell means');
  assert.equal(data.charts.latency.find((s) => s.name.startsWith('prompt 64 mean'))?.points.length, 0, 'the n/a column has no points');
  assert.equal(data.charts.throughput.length, 3);
  assert.ok(data.charts.ttftCdf.find((d) => d.prompt === 128)?.series.length === 3, 'a TTFT distribution per concurrency');
  assert.ok(data.charts.itlCdf.every((d) => d.series.every((s) => s.points.at(-1)?.[1] === 1)), 'CDFs end at 1');

  const dir = mkdtempSync(join(tmpdir(), 'relais-bench-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const cmpFile = join(dir, 'compare.html');
  writeFileSync(cmpFile, compareHtml(run, run));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`network: ${r.url()}`);
    });
    await page.goto(`file://${file}`);
    assert.equal(await page.locator('svg.chart').count(), 3 + 2 + 2, 'three curves + TTFT and ITL distributions per measured prompt size');
    assert.equal(await page.locator('#grid-body tr').count(), 3);
    assert.equal(await page.locator('#grid-body td.na').count(), 3, 'the failing column shows n/a');
    // The page script switches the grid to another metric and statistic.
    await page.selectOption('#metric', 'ttft');
    await page.selectOption('#stat', 'p90');
    const cell = run.cells.find((c) => c.key.concurrency === 4 && c.key.promptTokens === 128);
    const shown = await page.locator('#grid-body tr:nth-child(3) td:nth-child(4)').textContent();
    const p90 = cell?.summary?.ttftMs?.p90 ?? NaN;
    // The page's script formats like the terminal report (formatMs): 102ms, 12.3ms, 1.23ms, 1.05s.
    assert.equal(shown, formatMs(p90));
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 20_000, 'a real screenshot');

    await page.goto(`file://${cmpFile}`);
    assert.equal(await page.locator('svg.chart').count(), 3);
    assert.ok((await page.locator('td[data-ratio="1.0000"]').count()) >= 6, 'a run compared with itself: ratio 1');
    await page.screenshot({ path: join(dir, 'compare.png') });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
