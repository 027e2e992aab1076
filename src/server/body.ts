// Reading request bodies with a hard size limit, and writing JSON answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../protocol/errors.js';
import { checkJsonLimits } from '../protocol/json-limits.js';

/** Reads the whole body; rejects with a 413 GatewayError past `limit` bytes (and stops reading). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(errors.tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(errors.tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** Parses a JSON body, bounded in depth and finite in every number; a 400 GatewayError names the problem. */
export function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) throw errors.badJson('the body is empty');
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8')) as unknown;
  } catch (err) {
    throw errors.badJson(err instanceof Error ? err.message : String(err));
  }
  checkJsonLimits(value);
  return value;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers?: Record<string, string>): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
