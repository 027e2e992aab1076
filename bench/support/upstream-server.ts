// The HTTP side the bench upstreams share: read the whole body, answer GET (health and model list)
// with one fixed model, hand every other request to the upstream's own answer, and print `ready`
// once listening so the parent process knows it can start.
import { createServer, type ServerResponse } from 'node:http';

export function serveUpstream(port: number, answer: (body: string, res: ServerResponse) => void, backlog?: number): void {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok","object":"list","data":[{"id":"bench-model","object":"model"}]}');
        return;
      }
      answer(body, res);
    });
  });
  const ready = (): void => void process.stdout.write('ready\n');
  if (backlog === undefined) server.listen(port, '127.0.0.1', ready);
  else server.listen(port, '127.0.0.1', backlog, ready);
}
