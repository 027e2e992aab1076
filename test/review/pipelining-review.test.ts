// Review: pipelined HTTP/1.1 requests (several written at once on one connection) are all answered, in
// order, on the proxied endpoints — streamed and not, OpenAI and Ollama — with the simulator as engine.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startSimFleet, type SimFleet } from '../../src/sim/http/fleet.js';
import { startInProcess, type InProcess } from './harness.js';

/** Writes every request in one write and reads until the gateway closes the connection. */
function pipelined(url: string, requests: { path: string; id: string; body: unknown }[]): Promise<string> {
  const { hostname, port } = new URL(url);
  const raw = requests
    .map((r, i) => {
      const body = JSON.stringify(r.body);
      const close = i === requests.length - 1 ? 'connection: close\r\n' : '';
      return `POST ${r.path} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\nx-request-id: ${r.id}\r\n${close}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    })
    .join('');
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write(raw));
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    s.on('error', reject);
    s.setTimeout(20_000, () => s.destroy(new Error('no answer within 20 s')));
  });
}

const statusLines = (text: string): string[] => text.match(/HTTP\/1\.1 \d+/g) ?? [];
const ids = (text: string): string[] => [...text.matchAll(/^x-request-id: (\S+)/gim)].map((m) => m[1] as string);

describe('review: pipelined HTTP/1.1 requests', () => {
  let sim: SimFleet;
  let gw: InProcess;
  before(async () => {
    sim = await startSimFleet({ replicas: 1, servedModelName: 'sim-chat', speed: 50, outputLen: 'normal:8:1', seed: 4 });
    gw = await startInProcess({ health: { interval_ms: 60_000 }, backends: { sim: { kind: 'vllm', url: sim.urls[0] } }, models: [{ name: 'chat', deployments: [{ backend: 'sim', model: 'sim-chat' }] }] });
  });
  after(async () => {
    await gw.close();
    await sim.close();
  });

  const messages = [{ role: 'user', content: 'hello there' }];

  it('answers three pipelined OpenAI chat requests (streamed and not) in order', async () => {
    const text = await pipelined(gw.url, [
      { path: '/v1/chat/completions', id: 'p1', body: { model: 'chat', messages, max_tokens: 4 } },
      { path: '/v1/chat/completions', id: 'p2', body: { model: 'chat', messages, max_tokens: 4, stream: true } },
      { path: '/v1/chat/completions', id: 'p3', body: { model: 'chat', messages, max_tokens: 4 } },
    ]);
    assert.deepEqual(statusLines(text), ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200'], text.slice(0, 2000));
    assert.deepEqual(ids(text), ['p1', 'p2', 'p3']);
    assert.ok(text.includes('data: [DONE]'), 'the streamed answer is complete');
    assert.equal(text.match(/"object":"chat\.completion"/g)?.length, 2);
    const outcomes = gw.usage.records.filter((r) => ['p1', 'p2', 'p3'].includes(r.requestId)).map((r) => r.outcome);
    assert.deepEqual(outcomes, ['completed', 'completed', 'completed']);
  });

  it('answers pipelined streams longer than a socket buffer (the queued one waits, then flows)', async () => {
    const text = await pipelined(gw.url, [
      { path: '/v1/chat/completions', id: 'l1', body: { model: 'chat', messages, max_tokens: 400, stream: true } },
      { path: '/v1/chat/completions', id: 'l2', body: { model: 'chat', messages, max_tokens: 400, stream: true } },
    ]);
    assert.deepEqual(ids(text), ['l1', 'l2']);
    assert.ok(text.length > 2 * 64 * 1024, `${text.length} bytes`);
    assert.equal(text.match(/data: \[DONE\]/g)?.length, 2);
  });

  it('answers three pipelined Ollama chat requests (streamed and not) in order', async () => {
    const text = await pipelined(gw.url, [
      { path: '/api/chat', id: 'o1', body: { model: 'chat', messages, stream: true, options: { num_predict: 4 } } },
      { path: '/api/chat', id: 'o2', body: { model: 'chat', messages, stream: false, options: { num_predict: 4 } } },
      { path: '/v1/chat/completions', id: 'o3', body: { model: 'chat', messages, max_tokens: 4, stream: true } },
    ]);
    assert.deepEqual(statusLines(text), ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200'], text.slice(0, 2000));
    assert.deepEqual(ids(text), ['o1', 'o2', 'o3']);
    assert.equal(text.match(/"done":true/g)?.length, 2);
    assert.ok(text.includes('data: [DONE]'));
  });
});
