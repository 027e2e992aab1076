// The console's built files (dist/ui, made by `npm run build:ui` at install), held in memory with a gzip
// copy: hashed assets cached for a year, index.html revalidated, any other /ui/ path is the app's own route.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { securityHeaders } from './security-headers.js';

/** dist/ui at the package root, from src/console (tsx) and dist/console (built) alike. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface StaticFile {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly type: string;
  readonly etag: string;
  readonly immutable: boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

export class ConsoleFiles {
  private readonly files = new Map<string, StaticFile>();

  constructor(readonly dir: string = DEFAULT_CONSOLE_DIR) {
    if (!existsSync(join(dir, 'index.html'))) return;
    for (const path of walk(dir)) {
      const url = relative(dir, path).split(sep).join('/');
      const body = readFileSync(path);
      const type = contentTypes[extname(path)] ?? 'application/octet-stream';
      const compressible = /^text\/|json|svg/.test(type) && body.length > 512;
      this.files.set(url, {
        body,
        gzip: compressible ? gzipSync(body, { level: 9 }) : undefined,
        type,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        immutable: url.startsWith('assets/'),
      });
    }
  }

  get built(): boolean {
    return this.files.has('index.html');
  }

  /** Answers GET/HEAD of /ui/<rest>: a file, or index.html for the app's own routes. */
  serve(req: IncomingMessage, res: ServerResponse, rest: string): void {
    if (!this.built) {
      const body = 'The Relais console is not built: run `npm run build:ui` (npm install does it).\n';
      res.writeHead(503, { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    // Paths with an extension are files; others are routes of the single-page app.
    const file = this.files.get(rest) ?? (/\.[A-Za-z0-9]+$/.test(rest) ? undefined : this.files.get('index.html'));
    if (!file) {
      res.writeHead(404, { ...securityHeaders, 'content-type': 'text/plain; charset=utf-8' });
      res.end('Not found.\n');
      return;
    }
    const headers: Record<string, string> = {
      ...securityHeaders,
      'content-type': file.type,
      etag: file.etag,
      'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
    };
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const gzip = file.gzip !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? (file.gzip as Buffer) : file.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = String(body.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** Gzipped size of the JavaScript (the console's download budget). */
  scriptBytes(): { raw: number; gzip: number } {
    let raw = 0;
    let gzip = 0;
    for (const [url, f] of this.files) {
      if (!url.endsWith('.js')) continue;
      raw += f.body.length;
      gzip += (f.gzip ?? f.body).length;
    }
    return { raw, gzip };
  }
}
