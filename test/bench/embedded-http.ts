// A test peer: the embedded llama.cpp backend behind a minimal OpenAI-compatible HTTP server, so the
// bench can measure the real engine without the gateway.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../../src/backends/backend.js';
import type { JsonObject } from '../../src/protocol/json.js';

export async function serveBackend(backend: Backend, models: string[]): Promise<{ url: string; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) }));
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as JsonObject;
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const endpoint = req.url === '/v1/completions' ? 'completions' : 'chat';
      backend
        .call({ requestId: `b${++n}`, endpoint, body, stream: body.stream === true }, abort.signal)
        .then(async (reply) => {
          res.writeHead(reply.status, { 'content-type': reply.contentType });
          for await (const chunk of reply.body) res.write(chunk);
          res.end();
        })
        .catch((err: unknown) => {
          if (res.headersSent) return void res.destroy();
          const status = (err as { status?: number }).status ?? 500;
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { message: err instanceof Error ? err.message : String(err) } }));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
