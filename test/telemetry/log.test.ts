// The logger batches info lines (a timer or 64 KiB), writes warn/error at once after what is pending,
// and loses nothing when the process exits before the timer fires.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../src/telemetry/log.js';

const collect = (): { stream: PassThrough; text: () => string; writes: () => number } => {
  const stream = new PassThrough();
  let text = '';
  let writes = 0;
  stream.on('data', (d: Buffer) => {
    text += d.toString();
    writes++;
  });
  return { stream, text: () => text, writes: () => writes };
};

describe('logger', () => {
  it('batches info lines into one write, keeps order with warnings, escapes fields', async () => {
    const out = collect();
    const err = collect();
    const log = createLogger('info', out.stream, err.stream);
    for (let i = 0; i < 100; i++) log.info('access', { i, path: `/v1/"x"\n${i}` });
    assert.equal(out.text(), '', 'nothing written before the batch is due');
    await sleep(60);
    assert.equal(out.writes(), 1);
    const lines = out.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 100);
    assert.deepEqual(Object.keys(lines[0]!), ['time', 'level', 'msg', 'i', 'path']);
    assert.equal(lines[7]!.path, '/v1/"x"\n7');
    assert.match(String(lines[0]!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    // A warning writes the pending info lines first.
    log.info('before');
    log.warn('trouble', { code: 1 });
    assert.match(out.text(), /"msg":"before"/);
    assert.match(err.text(), /"level":"warn","msg":"trouble","code":1/);
    log.debug('hidden');
    log.line('{"time":"t","level":"info","msg":"prebuilt"}\n');
    log.flush();
    assert.match(out.text(), /prebuilt/);
    assert.doesNotMatch(out.text(), /hidden/);
  });

  it('writes batched lines when the process exits before the timer', () => {
    const src = fileURLToPath(new URL('../../src/telemetry/log.ts', import.meta.url));
    const script = `import { createLogger } from ${JSON.stringify(src)}; const l = createLogger('info'); l.info('last words', { n: 1 }); process.exit(0);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"msg":"last words","n":1/);
  });
});
