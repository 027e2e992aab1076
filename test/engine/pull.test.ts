// `relais models pull` against a local test peer that serves a GGUF like the Hugging Face hub
// (resolve URLs, Range requests, x-linked-size / x-linked-etag headers).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/cli/models.js';
import { parsePullSpec, pullModel } from '../../src/engine/pull.js';
import { generateTinyModel } from '../../src/engine/tiny-model.js';

describe('models pull', () => {
  const model = generateTinyModel({ seed: 5 });
  const sha = createHash('sha256').update(model).digest('hex');
  const ranges: Array<string | undefined> = [];
  let lie: 'none' | 'short' | 'sha' = 'none';
  let server: Server;
  let endpoint: string;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-pull-'));
    server = createServer((req, res) => {
      if (req.url !== '/acme/tiny-GGUF/resolve/main/tiny-q.gguf') {
        res.writeHead(404).end('not found');
        return;
      }
      ranges.push(req.headers.range);
      const headers: Record<string, string> = {
        'x-linked-size': String(model.length),
        'x-linked-etag': `"${lie === 'sha' ? '0'.repeat(64) : sha}"`,
        'content-type': 'application/octet-stream',
      };
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      const from = m ? Number(m[1]) : 0;
      const body = lie === 'short' ? model.subarray(from, model.length - 100) : model.subarray(from);
      if (m) {
        res.writeHead(206, { ...headers, 'content-range': `bytes ${from}-${model.length - 1}/${model.length}`, 'content-length': String(body.length) });
      } else {
        res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      }
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('parses hf: specs', () => {
    assert.deepEqual(parsePullSpec('hf:acme/tiny-GGUF/tiny-q.gguf'), { owner: 'acme', repo: 'tiny-GGUF', file: 'tiny-q.gguf', revision: 'main' });
    assert.deepEqual(parsePullSpec('hf:a/b/sub/x.gguf@v1'), { owner: 'a', repo: 'b', file: 'sub/x.gguf', revision: 'v1' });
    assert.throws(() => parsePullSpec('acme/tiny.gguf'), /expected hf:OWNER\/REPO\/FILE.gguf/);
  });

  it('downloads through the CLI (RELAIS_HF_ENDPOINT), checking size and sha256', async () => {
    process.env.RELAIS_HF_ENDPOINT = endpoint;
    try {
      const sub = join(dir, 'cli');
      assert.equal(await run(['pull', 'hf:acme/tiny-GGUF/tiny-q.gguf', '--dir', sub]), 0);
      assert.deepEqual(await readFile(join(sub, 'tiny-q.gguf')), model);
      assert.equal(ranges.at(-1), undefined);
    } finally {
      delete process.env.RELAIS_HF_ENDPOINT;
    }
  });

  it('resumes a partial download with a Range request', async () => {
    const sub = join(dir, 'resume');
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, 'tiny-q.gguf.partial'), model.subarray(0, 100_000));
    const seen: number[] = [];
    const result = await pullModel(parsePullSpec('hf:acme/tiny-GGUF/tiny-q.gguf'), { dir: sub, endpoint, onProgress: (p) => seen.push(p.done) });
    assert.equal(ranges.at(-1), 'bytes=100000-');
    assert.equal(result.resumedFrom, 100_000);
    assert.equal(result.sha256Verified, true);
    assert.ok((seen[0] ?? 0) > 100_000);
    assert.equal(seen.at(-1), model.length);
    assert.deepEqual(await readFile(result.path), model);
    await assert.rejects(stat(join(sub, 'tiny-q.gguf.partial')));
  });

  it('fails the size check on a short download and keeps the partial file for a resume', async () => {
    const sub = join(dir, 'short');
    lie = 'short';
    try {
      await assert.rejects(pullModel(parsePullSpec('hf:acme/tiny-GGUF/tiny-q.gguf'), { dir: sub, endpoint }), /size check failed: got \d+ bytes, expected \d+; run the same command again to resume/);
      assert.equal((await stat(join(sub, 'tiny-q.gguf.partial'))).size, model.length - 100);
    } finally {
      lie = 'none';
    }
    const done = await pullModel(parsePullSpec('hf:acme/tiny-GGUF/tiny-q.gguf'), { dir: sub, endpoint });
    assert.deepEqual(await readFile(done.path), model);
  });

  it('rejects a sha256 mismatch and a missing file', async () => {
    lie = 'sha';
    try {
      await assert.rejects(pullModel(parsePullSpec('hf:acme/tiny-GGUF/tiny-q.gguf'), { dir: join(dir, 'sha'), endpoint }), /sha256 mismatch/);
    } finally {
      lie = 'none';
    }
    await assert.rejects(pullModel(parsePullSpec('hf:acme/tiny-GGUF/nope.gguf'), { dir: join(dir, 'nf'), endpoint }), /not found \(HTTP 404\)/);
  });

  it('says plainly when the hub cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await assert.rejects(
      pullModel(parsePullSpec('hf:acme/tiny-GGUF/tiny-q.gguf'), { dir: join(dir, 'offline'), endpoint: `http://127.0.0.1:${port}` }),
      /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): this machine looks offline\. Download tiny-q\.gguf on a machine with internet and copy it into/,
    );
  });
});
