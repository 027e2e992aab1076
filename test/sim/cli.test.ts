// relais sim from the command line: virtual mode in-process, HTTP mode as a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { run } from '../../src/cli/sim.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const log = console.log;
  const error = console.error;
  let out = '';
  let err = '';
  console.log = (...a: unknown[]) => void (out += a.join(' ') + '\n');
  console.error = (...a: unknown[]) => void (err += a.join(' ') + '\n');
  try {
    return { code: await run(argv), out, err };
  } finally {
    console.log = log;
    console.error = error;
  }
}

test('sim run --json: a YAML workload on a catalog fleet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relais-sim-'));
  const file = join(dir, 'w.yaml');
  writeFileSync(file, 'seed: 3\nrequests: 300\narrival:\n  rate: 10\nprompt: uniform:100:2000\noutput: normal:128:32\nprefix:\n  groups: 4\n  tokens: 1024\n');
  const r = await capture(['run', '--workload', file, '--replicas', '2', '--gpu', 'a100-80g', '--model', 'llama-3.1-8b', '--policy', 'least-loaded', '--json']);
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out) as { completed: number; policy: string; ttft: { p50: number }; prefixCache: { hitRate: number } };
  assert.equal(report.completed, 300);
  assert.equal(report.policy, 'least-loaded');
  assert.ok(report.ttft.p50 > 0 && report.ttft.p50 < 5);
  assert.ok(report.prefixCache.hitRate > 0.2);
  const text = await capture(['run', '--workload', file, '--replicas', '2', '--gpu', 'a100-80g', '--model', 'llama-3.1-8b']);
  assert.match(text.out, /TTFT ms/);
  assert.match(text.out, /prefix cache hit rate/);
});

test('bad input gets a precise message and exit code 2', async () => {
  assert.match((await capture(['run', '--gpu', 'a100-80g', '--model', 'llama-3.1-8b'])).err, /--workload FILE is required/);
  assert.match((await capture(['--gpu', 'a100-80g'])).err, /--gpu and --model are required/);
  const bad = await capture(['--gpu', 'a100-80g', '--model', 'llama-3.1-8b', '--replicas', 'two']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--replicas must be an integer/);
  assert.match((await capture(['run', '--workload', '/nonexistent.yaml', '--gpu', 'a100-80g', '--model', 'llama-3.1-8b'])).err, /cannot read workload/);
});

test('relais sim serves replicas until SIGTERM', { timeout: 30_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'sim', '--replicas', '2', '--gpu', 'a100-80g', '--model', 'llama-3.1-8b', '--port', '0', '--speed', '10'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8');
    while (!/Ctrl-C/.test(out)) {
      const [chunk] = (await once(child.stdout, 'data')) as [string];
      out += chunk;
    }
    const url = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    assert.ok(url, out);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama-3.1-8b', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens, 8);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});
