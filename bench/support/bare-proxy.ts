// The baseline: a bare undici pass-through proxy (no parsing, no accounting) in front of the upstream.
// Usage (child process): node --import tsx bench/support/bare-proxy.ts PORT UPSTREAM_URL
import { createServer } from 'node:http';
import { Pool } from 'undici';

const port = Number(process.argv[2] ?? 0);
const pool = new Pool(process.argv[3] ?? 'http://127.0.0.1:1', { connections: 256 });

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (d: Buffer) => chunks.push(d));
  req.on('end', () => {
    pool
      .request({ path: req.url ?? '/', method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) })
      .then(async (up) => {
        res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json') });
        for await (const c of up.body) res.write(c as Buffer);
        res.end();
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
