// relais serve reloads relais.yaml on SIGHUP (and on a file change with --watch-config) without
// dropping a stream; an invalid file is refused with the start-up report and the old one keeps serving.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { runCli, startGateway, type GatewayProcess } from '../support/gateway-process.js';

const yaml = (backend: string, url: string, extra = ''): string => `
log_level: info
${extra}
backends:
  ${backend}: { kind: vllm, url: ${url} }
models:
  - name: m
    deployments: [ { backend: ${backend}, model: fake-model } ]
`;

/** The parsed log line whose msg is `msg`, waited for (bounded). */
async function logLine(g: GatewayProcess, msg: string, after = 0): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  for (;;) {
    for (const line of g.lines.slice(after)) {
      if (!line.startsWith('{')) continue;
      const j = JSON.parse(line) as Record<string, unknown>;
      if (j.msg === msg) return j;
    }
    assert.ok(Date.now() - t0 < 20_000, `no log line '${msg}' within 20 s:\n${g.lines.join('\n')}`);
    await sleep(20);
  }
}

async function servedBy(g: GatewayProcess): Promise<string | null> {
  const r = await fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await r.arrayBuffer();
  assert.equal(r.status, 200);
  return r.headers.get('x-relais-backend');
}

describe('configuration reload', () => {
  let a: FakeEngine;
  let b: FakeEngine;
  before(async () => {
    a = await startFakeEngine({ tokenDelayMs: 20 });
    b = await startFakeEngine();
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  it('SIGHUP applies a new file while a stream on the removed backend runs to its end; an invalid file is refused', async () => {
    const g = await startGateway(yaml('a', a.url));
    const file = join(g.dir, 'relais.yaml');
    try {
      const stream = await fetch(`${g.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', max_tokens: 60, stream: true, messages: [{ role: 'user', content: 'tell me' }] }),
      });
      assert.equal(stream.headers.get('x-relais-backend'), 'a');
      const reader = (stream.body as ReadableStream<Uint8Array>).getReader();
      let text = new TextDecoder().decode((await reader.read()).value);

      // A new file: backend a replaced by b, and a field that only a restart changes.
      writeFileSync(file, yaml('b', b.url, 'shutdown: { grace_ms: 1234 }'));
      const mark = g.lines.length;
      g.proc.kill('SIGHUP');
      const reloaded = await logLine(g, 'configuration reloaded', mark);
      assert.equal(reloaded.level, 'warn');
      assert.deepEqual(reloaded.backends, { added: ['b'], removed: ['a'], replaced: [] });
      assert.deepEqual((await logLine(g, 'configuration reload: these fields keep their running value until a restart', mark)).fields, ['shutdown']);
      assert.equal(await servedBy(g), 'b');

      // The stream that started on a carries on to its last token.
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      assert.match(text, /tok59 /);
      assert.match(text, /data: \[DONE\]/);

      // An invalid file: refused with the report `relais serve` prints at start-up; b keeps serving.
      writeFileSync(file, yaml('b', 'not-a-url'));
      const startup = await runCli(['serve', '--config', file]);
      assert.equal(startup.code, 2);
      const mark2 = g.lines.length;
      g.proc.kill('SIGHUP');
      const refused = await logLine(g, 'configuration reload refused; the running configuration keeps serving', mark2);
      assert.equal(refused.level, 'error');
      assert.equal(refused.error, startup.stderr.trim());
      assert.match(String(refused.error), /backends\.b\.url \(line 5\): expected an http\(s\) URL/);
      assert.equal(await servedBy(g), 'b');
    } finally {
      await g.stop();
    }
  });

  it('--watch-config reloads when the file changes', async () => {
    const g = await startGateway(yaml('a', a.url), { args: ['--watch-config'] });
    try {
      assert.equal(await servedBy(g), 'a');
      const mark = g.lines.length;
      writeFileSync(join(g.dir, 'relais.yaml'), yaml('b', b.url));
      assert.equal((await logLine(g, 'configuration reloaded', mark)).trigger, 'file change');
      assert.equal(await servedBy(g), 'b');
    } finally {
      await g.stop();
    }
  });
});
