// A fake OpenAI-compatible server: a test peer for the bench (real HTTP on 127.0.0.1, SSE streaming,
// usage counts, configurable latency per token, a slot limit that queues like a saturated engine,
// and failure modes: reset connections, HTTP 500, hang, rejecting ignore_eos).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Failure = 'reset' | 'error500' | 'hang' | null;

export interface FakeServerOptions {
  ttftMs?: number;
  itlMs?: number;
  /** Requests served at once; more wait in a queue (a saturated replica). Unlimited by default. */
  slots?: number;
  /** Without ignore_eos, generation stops after this many tokens. */
  eosAfter?: number;
  usage?: boolean;
  rejectIgnoreEos?: boolean;
  /** Answer 422 to stream_options, as some older servers do. */
  rejectStreamOptions?: boolean;
  fail?: (r: { promptTokens: number; maxTokens: number }) => Failure;
}

export interface FakeServer {
  url: string;
  port: number;
  stats: { requests: number; maxInFlight: number; bodies: Record<string, unknown>[] };
  options: FakeServerOptions;
  close(): Promise<void>;
}

interface Body {
  model?: string;
  messages?: { content?: string }[];
  prompt?: string;
  max_tokens?: number;
  stream?: boolean;
  ignore_eos?: boolean;
  stream_options?: { include_usage?: boolean };
}

/** Words plus a small per-message template overhead: what a server would count as prompt tokens. */
export function countPromptTokens(b: Body): number {
  const words = (t: string): number => t.split(/\s+/).filter((w) => w.length > 0).length;
  if (b.messages) return b.messages.reduce((n, m) => n + words(m.content ?? '') + 4, 3);
  return words(b.prompt ?? '');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startFakeServer(options: FakeServerOptions = {}, port = 0): Promise<FakeServer> {
  const stats = { requests: 0, maxInFlight: 0, bodies: [] as Record<string, unknown>[] };
  let inFlight = 0;
  let busy = 0;
  const waiting: (() => void)[] = [];
  const acquire = async (): Promise<void> => {
    const slots = options.slots ?? Infinity;
    if (busy < slots) {
      busy++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else busy--;
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'fake-model', object: 'model', owned_by: 'test' }] }));
      return;
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      void handle(req, res, JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as Body);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Body): Promise<void> {
    stats.requests++;
    if (stats.bodies.length < 1000) stats.bodies.push(body as Record<string, unknown>);
    const chat = req.url === '/v1/chat/completions';
    if (!chat && req.url !== '/v1/completions') {
      res.writeHead(404).end();
      return;
    }
    if (options.rejectIgnoreEos && body.ignore_eos !== undefined) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Unrecognized request argument supplied: ignore_eos', type: 'invalid_request_error' } }));
      return;
    }
    if (options.rejectStreamOptions && body.stream_options !== undefined) {
      res.writeHead(422, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'stream_options: extra fields not permitted' }));
      return;
    }
    const promptTokens = countPromptTokens(body);
    const maxTokens = body.max_tokens ?? 16;
    const failure = options.fail?.({ promptTokens, maxTokens }) ?? null;
    if (failure === 'reset') {
      req.socket.destroy();
      return;
    }
    if (failure === 'error500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'engine exploded', type: 'server_error' } }));
      return;
    }
    if (failure === 'hang') return;
    const tokens = body.ignore_eos ? maxTokens : Math.min(maxTokens, options.eosAfter ?? Infinity);
    let closed = false;
    res.on('close', () => (closed = true));
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    await acquire();
    try {
      const usage = options.usage === false ? undefined : { prompt_tokens: promptTokens, completion_tokens: tokens, total_tokens: promptTokens + tokens };
      const piece = (i: number): string => (i === 0 ? 'Hello' : ' tok');
      if (!body.stream) {
        await sleep((options.ttftMs ?? 0) + (options.itlMs ?? 0) * Math.max(0, tokens - 1));
        const text = Array.from({ length: tokens }, (_, i) => piece(i)).join('');
        const choice = chat ? { index: 0, message: { role: 'assistant', content: text }, finish_reason: 'length' } : { index: 0, text, finish_reason: 'length' };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'x', object: chat ? 'chat.completion' : 'text_completion', model: body.model, choices: [choice], usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const event = (content: string, role?: boolean): string => {
        const choice = chat ? { index: 0, delta: role ? { role: 'assistant', content: '' } : { content }, finish_reason: null } : { index: 0, text: content, finish_reason: null };
        return `data: ${JSON.stringify({ id: 'x', object: chat ? 'chat.completion.chunk' : 'text_completion', choices: [choice] })}\n\n`;
      };
      if (chat) res.write(event('', true));
      if (options.ttftMs) await sleep(options.ttftMs);
      const itl = options.itlMs ?? 0;
      if (itl === 0) {
        let all = '';
        for (let i = 0; i < tokens; i++) all += event(piece(i));
        res.write(all);
      } else {
        for (let i = 0; i < tokens && !closed; i++) {
          if (i > 0) await sleep(itl);
          res.write(event(piece(i)));
        }
      }
      if (usage && body.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id: 'x', choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
    } finally {
      inFlight--;
      release();
    }
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    stats,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
