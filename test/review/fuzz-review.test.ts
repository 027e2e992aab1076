// The fuzzer in the normal suite (issue 11): 300 seeded hostile requests over every route of a keyed
// gateway process must leave 0 crashes, 0 gateway 5xx, 0 hangs, 0 requests closed without an answer,
// and a gateway that serves normally afterwards. `npm run fuzz -- --count 5000` runs the full one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReport, runFuzz } from '../../scripts/fuzz/run-fuzz.js';
import { exchange } from '../../scripts/fuzz/raw-http.js';
import { startKeyedGateway } from './keyed-gateway.js';

test('300 fuzzed requests over every route: no crash, no gateway 5xx, no hang, normal service after', async (t) => {
  const report = await runFuzz({ count: 300, seed: 7, concurrency: 6 });
  for (const line of formatReport(report).split('\n')) t.diagnostic(line);
  assert.deepEqual(report.crashes, []);
  assert.deepEqual(report.gateway5xx, []);
  assert.deepEqual(report.hangs, []);
  assert.deepEqual(report.unanswered, []);
  assert.equal(report.errorLogLines, 0, report.errorSamples.join('\n'));
  assert.deepEqual(report.after, { live: 200, chat: 200, chatText: true, admin: 200, models: 200, tags: 200 });
  // Every family was reached, and not only refused: the codecs and engines saw valid requests too.
  for (const family of ['openai', 'anthropic', 'responses', 'rerank', 'ollama', 'admin', 'key', 'console', 'ops']) {
    assert.ok((report.byFamily[family] ?? 0) > 0, `no ${family} request`);
  }
  assert.ok((report.byStatus['200'] ?? 0) > 50 && (report.byStatus['400'] ?? 0) > 30, JSON.stringify(report.byStatus));
  assert.ok(report.ok);
});

test('CONNECT gets a 405 in the OpenAI error shape, not a connection dropped without a word', async () => {
  const gw = await startKeyedGateway({});
  try {
    const port = Number(new URL(gw.url).port);
    const x = await exchange({ host: '127.0.0.1', port, pieces: [Buffer.from('CONNECT /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')], expect: 1, timeoutMs: 5_000 });
    assert.equal(x.responses[0]?.status, 405, JSON.stringify(x));
    assert.match(x.responses[0]?.body.toString() ?? '', /"type":"invalid_request_error"/);
    // The gateway keeps serving.
    assert.equal((await fetch(`${gw.url}/health/live`)).status, 200);
  } finally {
    await gw.close();
  }
});
