// The HTTP backend's upstream call against a real HTTP peer on loopback: the body iterator's early
// stop, mid-body errors, backpressure, status errors, the pipeline's abort and the timeouts.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { BackendError, type UpstreamCall } from '../../src/backends/backend.js';
import { HttpBackend } from '../../src/backends/http-backend.js';
import { readReplyHeaders } from '../../src/backends/reply-headers.js';
import { bodyQueueBound, UpstreamExchange } from '../../src/backends/upstream-exchange.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const call = (stream = true): UpstreamCall => ({ requestId: 'r1', endpoint: 'chat', body: { model: 'm', stream }, stream });
const never = new AbortController().signal;

async function rejection(p: Promise<unknown>): Promise<BackendError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof BackendError, String(err));
    return err;
  }
  assert.fail('expected a BackendError');
}

async function readAll(body: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts).toString();
}

describe('HttpBackend.call over a real HTTP peer', () => {
  let server: Server;
  let route: Route = (_req, res) => res.end();
  let closed = 0;
  const backends: HttpBackend[] = [];
  const backend = (timeouts: Record<string, number> = {}): HttpBackend => {
    const port = (server.address() as AddressInfo).port;
    const b = new HttpBackend(
      'peer',
      { kind: 'vllm', url: `http://127.0.0.1:${port}/v1`, max_connections: 1 },
      { connect_ms: 1_000, first_byte_ms: 2_000, total_ms: 10_000, ...timeouts },
    );
    backends.push(b);
    return b;
  };

  before(async () => {
    server = createServer((req, res) => {
      res.on('close', () => closed++);
      req.resume();
      req.on('end', () => route(req, res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    await Promise.all(backends.map((b) => b.close()));
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('passes the body through with the content type and the kept headers', async () => {
    route = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-RateLimit-Remaining-Requests': '7', 'x-other': 'no' });
      res.write('data: 1\n\n');
      setTimeout(() => res.end('data: [DONE]\n\n'), 5);
    };
    const signal = new AbortController().signal;
    const reply = await backend().call(call(), signal);
    assert.equal(reply.contentType, 'text/event-stream');
    assert.deepEqual(reply.headers, { 'x-ratelimit-remaining-requests': '7' });
    assert.equal(getEventListeners(signal, 'abort').length, 1, 'one listener while the call runs');
    assert.equal(await readAll(reply.body), 'data: 1\n\ndata: [DONE]\n\n');
    assert.equal(getEventListeners(signal, 'abort').length, 0, 'removed when the call ends');
  });

  it('a reader that stops early releases the connection: the next call on a 1-connection pool succeeds', async () => {
    let timer: NodeJS.Timeout | undefined;
    route = (req, res) => {
      if (req.headers['x-request-id'] === 'second') return void res.end('{"ok":true}');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      timer = setInterval(() => res.write('data: tick\n\n'), 5);
      res.on('close', () => clearInterval(timer));
    };
    const b = backend();
    const signal = new AbortController().signal;
    const reply = await b.call(call(), signal);
    const before = closed;
    for await (const chunk of reply.body) {
      assert.match(Buffer.from(chunk).toString(), /tick/);
      break;
    }
    assert.equal(getEventListeners(signal, 'abort').length, 0);
    const second = await b.call({ ...call(false), requestId: 'second' }, never);
    assert.equal(await readAll(second.body), '{"ok":true}');
    assert.ok(closed > before, 'the endless response was closed');
  });

  it('an upstream that drops the connection mid-body gives a classified connect error', async () => {
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const reply = await backend().call(call(), never);
    const err = await rejection(readAll(reply.body));
    assert.equal(err.failure, 'connect');
    assert.match(err.message, /cannot reach upstream/);
  });

  it('a body that stalls past first_byte_ms is a timeout; so is a call past total_ms', async () => {
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    };
    const stalled = await backend({ first_byte_ms: 150 }).call(call(), never);
    const err = await rejection(readAll(stalled.body));
    assert.deepEqual([err.failure, err.message], ['timeout', 'upstream stalled while sending the body']);

    let timer: NodeJS.Timeout | undefined;
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      timer = setInterval(() => res.write('data: tick\n\n'), 20);
      res.on('close', () => clearInterval(timer));
    };
    const long = await backend({ total_ms: 200 }).call(call(), never);
    const total = await rejection(readAll(long.body));
    assert.deepEqual([total.failure, total.message], ['timeout', 'upstream exceeded the total timeout']);
  });

  it("the pipeline's abort ends the call while waiting for headers, mid-body and before a connection is free", async () => {
    const pending: ServerResponse[] = [];
    route = (_req, res) => void pending.push(res);
    const b = backend();
    assert.equal((await rejection(b.call(call(), AbortSignal.abort()))).failure, 'aborted', 'an already aborted signal');
    const early = new AbortController();
    const waiting = b.call(call(), early.signal);
    await sleep(30);
    // The pool's one connection is busy: this call waits for it.
    const queued = new AbortController();
    const inQueue = b.call(call(), queued.signal);
    await sleep(10);
    queued.abort();
    const q = await rejection(inQueue);
    assert.equal(q.failure, 'aborted');
    assert.equal(getEventListeners(queued.signal, 'abort').length, 0);
    early.abort();
    assert.deepEqual([(await rejection(waiting)).failure, getEventListeners(early.signal, 'abort').length], ['aborted', 0]);

    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    };
    const mid = new AbortController();
    const reply = await b.call(call(), mid.signal);
    const reading = readAll(reply.body);
    await sleep(20);
    mid.abort();
    assert.equal((await rejection(reading)).failure, 'aborted');
    // The pool still serves: the aborted calls released their connection.
    route = (_req, res) => res.end('{}');
    assert.equal(await readAll((await b.call(call(false), never)).body), '{}');
  });

  it('a non-200 answer is a status error with the kept headers and at most 8192 characters of body', async () => {
    route = (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end('x'.repeat(100_000));
    };
    const b = backend();
    const err = await rejection(b.call(call(false), never));
    assert.deepEqual([err.failure, err.status, err.message, err.body?.length, err.headers], ['status', 429, 'upstream answered 429', 8192, { 'retry-after': '3' }]);
    route = (_req, res) => {
      res.writeHead(503);
      res.end('{"error":{"message":"overloaded"}}');
    };
    const small = await rejection(b.call(call(false), never));
    assert.deepEqual([small.status, small.body, small.retryable], [503, '{"error":{"message":"overloaded"}}', true]);
  });

  it('a slow reader holds the upstream back: bounded queue, the peer is not let write 50 MB', async () => {
    const total = 50 * 1024 * 1024;
    let written = 0;
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
    const reply = await backend().call(call(), never);
    assert.ok(reply.body instanceof UpstreamExchange);
    const exchange = reply.body;
    let read = 0;
    let maxQueued = 0;
    const t0 = performance.now();
    for await (const c of reply.body) {
      read += c.length;
      maxQueued = Math.max(maxQueued, exchange.queuedBytes);
      if (performance.now() - t0 > 600) break;
      await sleep(20);
    }
    // A chunk goes over the bound at most once before undici pauses (chunks are ≤ 64 KiB socket reads).
    assert.ok(maxQueued <= 2 * bodyQueueBound, `queued ${maxQueued}`);
    // What the peer got to write beyond what was read sits in socket buffers, not in the gateway.
    assert.ok(written - read < 16 * 1024 * 1024, `the peer wrote ${written} of ${total} bytes for a reader that took ${read}`);
  });
});

describe('readReplyHeaders', () => {
  it('keeps retry-after and the x-ratelimit request headers in any case, drops a repeated one, joins repeated content types', () => {
    const raw = ['Content-Type', 'text/event-stream', 'RETRY-AFTER', '2', 'x-ratelimit-limit-requests', '10', 'X-RateLimit-Limit-Requests', '11', 'x-ratelimit-limit-tokens', '5', 'content-type', 'x'].map((s) => Buffer.from(s, 'latin1'));
    const kept: Record<string, string> = {};
    assert.equal(readReplyHeaders(raw, kept), 'text/event-stream,x');
    assert.deepEqual(kept, { 'retry-after': '2' });
    assert.equal(readReplyHeaders([], {}), undefined);
  });
});
