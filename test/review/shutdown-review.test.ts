// Review: a stream cut at the end of the shutdown grace period is recorded after the usage sink closed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordingSink, sleep, sse, startEngine, startInProcess, chatBody } from './harness.js';

class ClosingSink extends RecordingSink {
  closed = false;
  lateRecords = 0;
  override record(r: Parameters<RecordingSink['record']>[0]): void {
    if (this.closed) this.lateRecords++;
    super.record(r);
  }
  override close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

describe('review: shutdown', () => {
  it('records a stream cut by the grace timeout before the usage sink is closed', async () => {
    const eng = await startEngine(async (_q, res, body) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < 100 && !res.destroyed; i++) {
        sse(res, { id: 'x', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [{ index: 0, delta: { content: `t${i} ` }, finish_reason: null }] });
        await sleep(50);
      }
      res.end();
    });
    const usage = new ClosingSink();
    const gw = await startInProcess({ backends: { b: { kind: 'vllm', url: eng.url } }, models: [{ name: 'm', deployments: [{ backend: 'b', model: 'm' }] }] }, { usage });
    const r = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chatBody('m', { stream: true }) });
    const reading = r.text().catch(() => 'cut');
    await sleep(100);
    await gw.gateway.close(200);
    await reading;
    await sleep(100);
    await eng.close();
    assert.equal(usage.records.length, 1);
    assert.equal(usage.lateRecords, 0, 'the record reached the sink after close() (lost with a real store, which is closed next)');
  });
});
