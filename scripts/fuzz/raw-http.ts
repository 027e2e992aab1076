// HTTP/1.1 over a bare socket, for requests no client library would send: invalid bytes, lying
// Content-Length, pipelined requests in one write, bodies cut off half-way. Reads the responses back
// (Content-Length, chunked or until close; 1xx skipped) with a deadline.
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawExchange {
  /** Complete responses, in order. */
  responses: RawResponse[];
  /** The deadline passed before every expected response arrived. */
  timedOut: boolean;
  /** The server closed the connection before every expected response arrived. */
  closedEarly: boolean;
  /** A socket error (refused, reset…), when there was one. */
  error?: string;
  ms: number;
}

interface Parsed {
  response: RawResponse;
  used: number;
}

/** One response at the start of buf, or undefined when more bytes are needed. `ended`: the socket closed. */
function parseOne(buf: Buffer, ended: boolean, head: boolean): Parsed | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let pos = end + 4;
  if (head || (status >= 100 && status < 200) || status === 204 || status === 304) {
    return { response: { status, headers, body: Buffer.alloc(0) }, used: pos };
  }
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1'), 16);
      if (!Number.isFinite(size)) return { response: { status, headers, body: Buffer.concat(parts) }, used: buf.length };
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n', lineEnd + 2);
        if (trailerEnd < 0) return undefined;
        return { response: { status, headers, body: Buffer.concat(parts) }, used: trailerEnd + 2 };
      }
      if (buf.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
    }
  }
  const length = headers['content-length'];
  if (length !== undefined) {
    const n = Number(length);
    if (buf.length < pos + n) return undefined;
    return { response: { status, headers, body: buf.subarray(pos, pos + n) }, used: pos + n };
  }
  // No length: the body runs to the end of the connection.
  if (!ended) return undefined;
  return { response: { status, headers, body: buf.subarray(pos) }, used: buf.length };
}

export interface ExchangeOptions {
  host: string;
  port: number;
  /** Written in order; a pause between pieces when pauseMs is set (a slow or half-sent request). */
  pieces: Buffer[];
  pauseMs?: number;
  /** Responses to wait for (0: only write, then close after pauseMs). */
  expect: number;
  /** HEAD requests among them, by index (their responses carry no body). */
  headAt?: ReadonlySet<number>;
  timeoutMs: number;
  /** Close the socket after this many bytes of the first response (a client that goes away mid-stream). */
  abortAfterBytes?: number;
}

export function exchange(o: ExchangeOptions): Promise<RawExchange> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: o.host, port: o.port });
    let buf = Buffer.alloc(0);
    const responses: RawResponse[] = [];
    let settled = false;
    let received = 0;
    const finish = (extra: Partial<RawExchange>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses, timedOut: false, closedEarly: false, ms: performance.now() - started, ...extra });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), o.timeoutMs);
    const drain = (ended: boolean): void => {
      for (;;) {
        const p = parseOne(buf, ended, o.headAt?.has(responses.length) === true);
        if (!p) break;
        buf = buf.subarray(p.used);
        if (p.response.status >= 100 && p.response.status < 200) continue;
        responses.push(p.response);
        if (responses.length >= o.expect) return finish({});
      }
    };
    socket.on('data', (d: Buffer) => {
      received += d.length;
      buf = Buffer.concat([buf, d]);
      if (o.abortAfterBytes !== undefined && received >= o.abortAfterBytes) return finish({});
      drain(false);
    });
    socket.on('end', () => {
      drain(true);
      finish({ closedEarly: responses.length < o.expect });
    });
    socket.on('error', (err) => finish({ error: err.message, closedEarly: responses.length < o.expect }));
    socket.on('connect', () => {
      void (async () => {
        for (const [i, piece] of o.pieces.entries()) {
          if (settled) return;
          if (i > 0 && o.pauseMs) await new Promise((r) => setTimeout(r, o.pauseMs));
          socket.write(piece);
        }
        if (o.expect === 0) {
          await new Promise((r) => setTimeout(r, o.pauseMs ?? 50));
          finish({});
        }
      })();
    });
  });
}
