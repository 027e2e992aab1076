// Review: a client that stops reading (but keeps its socket open) pins the request forever: write()
// waits only for 'drain' or 'close', so neither the total timeout nor anything else ends it.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { chatBody, sleep, sse, startEngine, startInProcess } from './harness.js';

describe('review: slow reader', () => {
  it('a stalled client does not hold the in-flight slot past the total timeout', async () => {
    const big = 'x'.repeat(100_000);
    const eng = await startEngine(async (_q, res, body) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 300 && !res.destroyed; i++) {
        if (!res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { content: big }, finish_reason: null }] })}\n\n`)) {
          await new Promise((r) => res.once('drain', r).once('close', r));
        }
      }
      if (res.destroyed) return;
      sse(res, '[DONE]');
      res.end();
    });
    const gw = await startInProcess({
      timeouts: { total_ms: 800 },
      backends: { b: { kind: 'vllm', url: eng.url } },
      models: [{ name: 'm', deployments: [{ backend: 'b', model: 'm' }] }],
    });
    const url = new URL(gw.url);
    const body = chatBody('m', { stream: true });
    const sock = connect(Number(url.port), url.hostname);
    sock.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    sock.pause(); // never reads
    await sleep(3000);
    const state = gw.gateway.router.get('m')!.deployments[0]!.state;
    const inFlight = state.inFlight;
    const records = gw.usage.records.length;
    sock.destroy();
    await sleep(200);
    await gw.close();
    await eng.close();
    assert.equal(inFlight, 0, `3 s after a total_ms of 0.8 s the request still holds its slot (records: ${records}, engine aborted: ${eng.aborted})`);
  });
});
