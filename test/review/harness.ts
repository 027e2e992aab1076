// Review harness: a scriptable engine (raw HTTP, handler per test) and an in-process gateway with a
// recording usage sink and a counting access, so tests can see records, settles and in-flight counters.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Writable } from 'node:stream';
import type { Access, AdmissionInput, Ticket } from '../../src/access/access.js';
import { anonymousPrincipal, type Principal } from '../../src/access/principal.js';
import { configSchema } from '../../src/config/schema.js';
import { Gateway, type GatewayParts } from '../../src/server/gateway.js';
import { createLogger, type Logger } from '../../src/telemetry/log.js';
import type { UsageRecord, UsageSink } from '../../src/usage/record.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>) => void | Promise<void>;

export interface Engine {
  url: string;
  handler: Handler;
  posts: number;
  /** POST responses whose connection closed before the handler ended them. */
  aborted: number;
  close(): Promise<void>;
}

export async function startEngine(handler: Handler): Promise<Engine> {
  const sockets = new Set<Socket>();
  const engine: Engine = { url: '', handler, posts: 0, aborted: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      engine.posts++;
      res.on('close', () => {
        if (!res.writableFinished) engine.aborted++;
      });
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      void Promise.resolve(engine.handler(req, res, body)).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  engine.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  engine.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return engine;
}

export class RecordingSink implements UsageSink {
  readonly records: UsageRecord[] = [];
  record(r: UsageRecord): void {
    this.records.push(r);
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** An open access whose admit can be delayed, counting tickets and settles. */
export class CountingAccess implements Access {
  readonly open = true;
  /** admit() calls begun (admitted counts those that returned). */
  admitting = 0;
  admitted = 0;
  settled = 0;
  admitDelayMs = 0;
  principal: Principal = anonymousPrincipal;
  authenticate(): Principal {
    return this.principal;
  }
  async admit(_p: Principal, _i: AdmissionInput): Promise<Ticket> {
    this.admitting++;
    if (this.admitDelayMs > 0) await sleep(this.admitDelayMs);
    this.admitted++;
    let done = false;
    return {
      headers: {},
      settle: () => {
        if (done) throw new Error('settled twice');
        done = true;
        this.settled++;
      },
    };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

export interface InProcess {
  gateway: Gateway;
  url: string;
  usage: RecordingSink;
  close(): Promise<void>;
}

export async function startInProcess(config: Record<string, unknown>, parts: GatewayParts = {}): Promise<InProcess> {
  const usage = parts.usage instanceof RecordingSink ? parts.usage : new RecordingSink();
  const cfg = configSchema.parse({ log_level: 'error', ...config });
  const gateway = await Gateway.create(cfg, { log: createLogger('error'), usage, ...parts });
  const addr = await gateway.listen('127.0.0.1', 0);
  return { gateway, url: `http://127.0.0.1:${addr.port}`, usage, close: () => gateway.close(500) };
}

export function sse(res: ServerResponse, payload: unknown): void {
  res.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
}

export const chatBody = (model: string, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, ...extra });

/** A logger at `level` whose JSON lines (stdout and stderr alike) the test reads back. */
export function capturedLog(level: 'debug' | 'info' = 'info'): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger(level, sink, sink), lines };
}
