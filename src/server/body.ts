// Reading request bodies with a hard size limit and a deadline, and writing JSON answers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type GatewayError } from '../protocol/errors.js';
import { checkJsonLimits } from '../protocol/json-limits.js';

/**
 * How long one request's body may take to arrive, set by the server for each request; `cut` stops a
 * read in progress (a drain answers half-sent bodies at once instead of waiting for them).
 */
export interface BodyDeadline {
  readonly timeoutMs: number;
  cut?: ((err: GatewayError) => void) | undefined;
  /** Set by a drain: a body not yet read and not complete is not waited for. */
  stopped?: GatewayError | undefined;
}

// On the request itself: a WeakMap entry per request is extra work for every garbage collection.
const DEADLINE = Symbol('relais.bodyDeadline');
type WithDeadline = IncomingMessage & { [DEADLINE]?: BodyDeadline };

/** Every readBody of this request honours the deadline (the server sets it once, routes need not know). */
export function setBodyDeadline(req: IncomingMessage, deadline: BodyDeadline): void {
  (req as WithDeadline)[DEADLINE] = deadline;
}

/**
 * Reads the whole body; rejects with a 413 GatewayError past `limit` bytes (and stops reading), and with
 * a 408 (connection: close) when the body does not arrive within the request's deadline.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.reject(errors.tooLarge(limit));
  }
  const deadline = (req as WithDeadline)[DEADLINE];
  if (deadline?.stopped && !req.complete) {
    req.resume();
    return Promise.reject(deadline.stopped);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      if (deadline) deadline.cut = undefined;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const fail = (err: unknown): void => {
      done();
      // Bytes still arriving are discarded; the answer closes the connection.
      req.resume();
      reject(err);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) return fail(errors.tooLarge(limit));
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    // A client that leaves mid-body is not a gateway error (no stack in the log).
    const onError = (): void => fail(errors.bodyIncomplete());
    const onClose = (): void => {
      if (!req.complete) onError();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
    if (deadline && !req.complete) {
      timer = setTimeout(() => fail(errors.bodyTimeout(deadline.timeoutMs)), deadline.timeoutMs);
      deadline.cut = fail;
    }
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
