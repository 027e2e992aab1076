// An engine that answers a non-streamed request without end (or far too much) is cut off at
// limits.max_response_bytes: the client gets 502 in its protocol, the engine's connection is closed,
// the gateway's memory stays bounded and everyone else is served as before.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { startFakeEngine, type FakeEngine } from '../support/fake-engine.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';

let endless: Server;
const closedAfter: number[] = [];
let good: FakeEngine;
let gw: GatewayProcess;

const rssMb = (pid: number | undefined): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * An engine peer whose answer to requests `endless(req)` picks never ends: a head, then `chunk` again
 * and again (up to 1 GiB) until the reader hangs up; `cut` gets the bytes sent when it does. Every other
 * request (health probes) gets a short model list.
 */
async function endlessEngine(endless: (req: IncomingMessage) => boolean, head: string, chunk: string, cut: number[]): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    if (!endless(req)) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"object":"list","data":[{"id":"fake-model","object":"model"}]}');
    }
    let sent = 0;
    res.writeHead(200);
    res.write(head);
    const pump = (): void => {
      while (!res.destroyed && sent < 1024 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', () => cut.push(sent));
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** A gateway with model `name` on the misbehaving engine and `fine` on the good one. */
function twoEngines(misbehaving: Server, name: string, extra = ''): Promise<GatewayProcess> {
  return startGateway(`log_level: warn
${extra}backends:
  bad: { kind: vllm, url: http://127.0.0.1:${(misbehaving.address() as AddressInfo).port} }
  good: { kind: vllm, url: ${good.url} }
models:
  - name: ${name}
    deployments: [ { backend: bad, model: fake-model } ]
  - name: fine
    deployments: [ { backend: good, model: fake-model } ]
`);
}

before(async () => {
  // Every POST gets 200 and a JSON chat answer that never ends, 64 KiB at a time.
  endless = await endlessEngine(
    (req) => req.method === 'POST',
    '{"id":"x","object":"chat.completion","model":"fake-model","choices":[{"index":0,"message":{"role":"assistant","content":"',
    'a'.repeat(64 * 1024),
    closedAfter,
  );
  good = await startFakeEngine();
  gw = await twoEngines(endless, 'flood', 'limits: { max_response_bytes: 1048576 }\nhealth: { interval_ms: 60000 }\n');
});

after(async () => {
  await gw?.stop();
  await good?.close();
  endless?.closeAllConnections();
  await new Promise<void>((r) => endless.close(() => r()));
});

it('an endless non-streamed answer: 502 naming the limit, the engine cut off, the gateway still serving', async () => {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'none', maxRetries: 0 });
  const rssBefore = rssMb(gw.proc.pid);
  closedAfter.length = 0;
  for (let i = 0; i < 3; i++) {
    await assert.rejects(client.chat.completions.create({ model: 'flood', messages: [{ role: 'user', content: 'hi' }] }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError, String(err));
      assert.equal(err.status, 502);
      assert.match(err.message, /max_response_bytes/);
      return true;
    });
  }
  // The engine saw its connection closed each time, long before its 1 GiB.
  for (let i = 0; i < 50 && closedAfter.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(closedAfter.length, 3);
  for (const sent of closedAfter) assert.ok(sent < 64 * 1024 * 1024, `engine wrote ${sent} bytes before the gateway hung up`);
  // The Ollama API's non-streamed path has the same ceiling, answered in its own error shape.
  const ollama = new Ollama({ host: gw.url });
  await assert.rejects(ollama.chat({ model: 'flood', messages: [{ role: 'user', content: 'hi' }], stream: false }), (err: unknown) => {
    assert.match(String((err as Error).message), /max_response_bytes/);
    assert.equal((err as { status_code?: number }).status_code, 502);
    return true;
  });
  const ok = await client.chat.completions.create({ model: 'fine', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
  assert.ok(ok.choices[0]?.message.content);
  const grew = rssMb(gw.proc.pid) - rssBefore;
  assert.ok(grew < 150, `RSS grew by ${grew.toFixed(0)} MB`);
});

it('an engine whose /metrics never ends: each scrape is cut off at 8 MiB, the gateway stays small and serving', async () => {
  const cut: number[] = [];
  const flood = await endlessEngine((req) => req.url === '/metrics', '', `vllm:num_requests_running{model_name="fake-model"} 1\n`.repeat(1024), cut);
  const probed = await twoEngines(flood, 'probed');
  try {
    const rssBefore = rssMb(probed.proc.pid);
    // The load scraper asks every 100 ms; give it a few rounds.
    for (let i = 0; i < 100 && cut.length < 5; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(cut.length >= 5, `scrapes cut: ${cut.length}`);
    for (const sent of cut) assert.ok(sent < 64 * 1024 * 1024, `engine wrote ${sent} bytes of /metrics before the gateway hung up`);
    const grew = rssMb(probed.proc.pid) - rssBefore;
    assert.ok(grew < 150, `RSS grew by ${grew.toFixed(0)} MB`);
    const client = new OpenAI({ baseURL: `${probed.url}/v1`, apiKey: 'none', maxRetries: 0 });
    const ok = await client.chat.completions.create({ model: 'fine', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 });
    assert.ok(ok.choices[0]?.message.content);
  } finally {
    await probed.stop();
    flood.closeAllConnections();
    await new Promise<void>((r) => flood.close(() => r()));
  }
});
