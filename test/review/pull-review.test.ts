// Review: `relais models pull hf:owner/repo/../../x.gguf` sent `..` to the hub (with HF_TOKEN).
// Every segment is checked and percent-encoded: nothing leaves the repository's path.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run } from '../../src/cli/models.js';
import { parsePullSpec } from '../../src/engine/pull.js';

describe('review: models pull path segments', () => {
  const seen: { url: string; auth: string | undefined }[] = [];
  let server: Server;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'relais-pull-review-'));
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    process.env.RELAIS_HF_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.HF_TOKEN = 'hf_secret_review';
  });
  after(async () => {
    delete process.env.RELAIS_HF_ENDPOINT;
    delete process.env.HF_TOKEN;
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses .., ., empty segments and control characters without any request', async () => {
    for (const spec of ['hf:owner/repo/../../x.gguf', 'hf:owner/repo/a/../x.gguf', 'hf:owner/./x.gguf', 'hf:owner/repo/a//x.gguf', 'hf:owner/repo/x.gguf@..', 'hf:owner/repo/a\u0001/x.gguf', 'hf:owner/repo/..\\..\\x.gguf']) {
      assert.throws(() => parsePullSpec(spec), /expected hf:OWNER\/REPO\/FILE\.gguf/, spec);
      assert.notEqual(await run(['pull', spec, '--dir', dir]), 0, spec);
    }
    assert.deepEqual(seen, [], 'the hub never saw a request, nor the token');
  });

  it('percent-encodes owner and repository too', async () => {
    seen.length = 0;
    assert.notEqual(await run(['pull', 'hf:ac#me/re?po/sub/x%2E.gguf', '--dir', dir]), 0);
    assert.deepEqual(seen.map((s) => s.url), ['/ac%23me/re%3Fpo/resolve/main/sub/x%252E.gguf']);
  });
});
