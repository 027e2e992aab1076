// A fake OpenAI-compatible engine: the test peer of the gateway. It can be slow, fail, hang, die
// mid-stream, and it counts what it sends so tests can see whether an abort reached it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'ok' | 'fail500' | 'error500' | 'fail400' | 'hang' | 'die-mid-stream' | 'truncate-stream' | 'slow-headers';

export interface FakeEngineOptions {
  /** Served model id (what /v1/models lists and responses echo). */
  model?: string;
  mode?: FakeMode;
  /** Delay between streamed tokens. */
  tokenDelayMs?: number;
  /** Tokens generated when the request has no max_tokens. */
  defaultTokens?: number;
  /** Delay before answering headers (for first-byte timeouts). */
  headerDelayMs?: number;
  /** Report usage in streams when asked (stream_options.include_usage). */
  streamUsage?: boolean;
}

export interface FakeEngine {
  readonly url: string;
  readonly port: number;
  readonly options: Required<FakeEngineOptions>;
  /** Requests received per path. */
  readonly hits: Map<string, number>;
  /** The last JSON body received. */
  lastBody: Record<string, unknown> | undefined;
  /** The headers of the last POST received. */
  lastHeaders: IncomingMessage['headers'] | undefined;
  /** Content tokens written in total. */
  tokensSent: number;
  /** Streams currently being written. */
  activeStreams: number;
  /** Streams whose client connection closed before the engine finished. */
  abortedStreams: number;
  close(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {});
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function promptTokens(body: Record<string, unknown>): number {
  const text = JSON.stringify(body.messages ?? body.prompt ?? body.input ?? '');
  return Math.max(1, Math.ceil(text.length / 4));
}

/** The assistant's reply: a tool call when tools are offered, JSON when a schema is asked for, words otherwise. */
function replyFor(body: Record<string, unknown>, i: number): { content: string | null; toolCalls?: unknown[] } {
  const tools = body.tools;
  if (Array.isArray(tools) && tools.length > 0 && body.tool_choice !== 'none') {
    const first = tools[0] as { function?: { name?: string } };
    return { content: null, toolCalls: [{ id: `call_${i}`, type: 'function', function: { name: first.function?.name ?? 'tool', arguments: '{"city":"Paris"}' } }] };
  }
  const rf = body.response_format as { type?: string } | undefined;
  if (rf?.type === 'json_schema' || rf?.type === 'json_object') return { content: '{"answer":"ok","n":42}' };
  return { content: 'hello' };
}

export async function startFakeEngine(opts: FakeEngineOptions = {}): Promise<FakeEngine> {
  const options: Required<FakeEngineOptions> = {
    model: opts.model ?? 'fake-model',
    mode: opts.mode ?? 'ok',
    tokenDelayMs: opts.tokenDelayMs ?? 0,
    defaultTokens: opts.defaultTokens ?? 5,
    headerDelayMs: opts.headerDelayMs ?? 0,
    streamUsage: opts.streamUsage ?? true,
  };
  const state = {
    hits: new Map<string, number>(),
    lastBody: undefined as Record<string, unknown> | undefined,
    lastHeaders: undefined as IncomingMessage['headers'] | undefined,
    tokensSent: 0,
    activeStreams: 0,
    abortedStreams: 0,
  };
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: { message: 'fake engine crashed', type: 'server_error' } });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    if (req.method === 'GET') {
      if (path === '/health') return options.mode === 'fail500' ? send(res, 503, { status: 'down' }) : send(res, 200, { status: 'ok' });
      if (path === '/v1/models') return send(res, 200, { object: 'list', data: [{ id: options.model, object: 'model', created: 0, owned_by: 'fake' }] });
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`vllm:num_requests_running{model_name="${options.model}"} ${state.activeStreams}\nvllm:num_requests_waiting{model_name="${options.model}"} 0\n`);
        return;
      }
      return send(res, 404, { error: { message: 'not found' } });
    }
    const body = await readJson(req);
    state.lastBody = body;
    state.lastHeaders = req.headers;
    if (options.headerDelayMs > 0) await new Promise((r) => setTimeout(r, options.headerDelayMs));
    if (options.mode === 'hang') return; // never answers
    if (options.mode === 'fail500' || options.mode === 'error500') return send(res, 500, { error: { message: 'engine exploded', type: 'server_error' } });
    if (options.mode === 'fail400') return send(res, 400, { error: { message: "This model's maximum context length is 8 tokens", type: 'BadRequestError', param: 'messages', code: 'context_length_exceeded' } });

    const model = typeof body.model === 'string' ? body.model : options.model;
    const created = Math.floor(Date.now() / 1000);
    const pt = promptTokens(body);
    if (path === '/v1/embeddings') {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return send(res, 200, {
        object: 'list',
        model,
        data: inputs.map((_, i) => {
          const v = Array.from({ length: 8 }, (_, j) => (i + 1) * 0.1 + j * 0.01);
          // Like OpenAI and vLLM: base64 of little-endian float32 when asked (the openai SDK asks by default).
          const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
          return { object: 'embedding', index: i, embedding };
        }),
        usage: { prompt_tokens: pt, total_tokens: pt },
      });
    }
    const isChat = path === '/v1/chat/completions';
    if (!isChat && path !== '/v1/completions') return send(res, 404, { error: { message: `no route ${path}` } });
    const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : options.defaultTokens;
    const n = typeof body.n === 'number' ? body.n : 1;
    const id = `cmpl-${Math.random().toString(36).slice(2)}`;
    const object = isChat ? 'chat.completion' : 'text_completion';

    if (body.stream !== true) {
      const choices = Array.from({ length: n }, (_, i) => {
        const r = replyFor(body, i);
        const text = r.toolCalls ? null : r.content === 'hello' ? Array.from({ length: maxTokens }, () => 'hello').join(' ') : r.content;
        return isChat
          ? { index: i, message: { role: 'assistant', content: text, ...(r.toolCalls ? { tool_calls: r.toolCalls } : {}) }, finish_reason: r.toolCalls ? 'tool_calls' : 'length', logprobs: null }
          : { index: i, text: typeof body.suffix === 'string' ? `<fim:${body.suffix}>` : text, finish_reason: 'length', logprobs: null };
      });
      state.tokensSent += maxTokens * n;
      return send(res, 200, { id, object, created, model, choices, usage: { prompt_tokens: pt, completion_tokens: maxTokens * n, total_tokens: pt + maxTokens * n } });
    }

    // Streaming.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    state.activeStreams++;
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closed = true;
        state.abortedStreams++;
      }
    });
    const chunkObject = isChat ? 'chat.completion.chunk' : 'text_completion';
    const write = (payload: unknown): void => {
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
    };
    const r = replyFor(body, 0);
    if (isChat) write({ id, object: chunkObject, created, model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
    if (r.toolCalls && isChat) {
      write({ id, object: chunkObject, created, model, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, ...(r.toolCalls[0] as object) }] }, finish_reason: null }] });
    } else {
      for (let t = 0; t < maxTokens; t++) {
        if (closed) break;
        if (options.mode === 'die-mid-stream' && t === Math.floor(maxTokens / 2)) {
          res.socket?.destroy();
          state.activeStreams--;
          return;
        }
        if (options.mode === 'truncate-stream' && t === Math.floor(maxTokens / 2)) {
          res.end();
          state.activeStreams--;
          return;
        }
        const text = r.content === 'hello' ? `tok${t} ` : t === 0 ? (r.content ?? '') : '';
        if (text === '' && t > 0) break;
        write(isChat ? { id, object: chunkObject, created, model, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] } : { id, object: chunkObject, created, model, choices: [{ index: 0, text, finish_reason: null }] });
        state.tokensSent++;
        if (options.tokenDelayMs > 0) await new Promise((res2) => setTimeout(res2, options.tokenDelayMs));
      }
    }
    if (!closed) {
      const finish = r.toolCalls ? 'tool_calls' : 'length';
      write(isChat ? { id, object: chunkObject, created, model, choices: [{ index: 0, delta: {}, finish_reason: finish }] } : { id, object: chunkObject, created, model, choices: [{ index: 0, text: '', finish_reason: finish }] });
      const so = body.stream_options as { include_usage?: boolean } | undefined;
      if (options.streamUsage && so?.include_usage) {
        write({ id, object: chunkObject, created, model, choices: [], usage: { prompt_tokens: pt, completion_tokens: maxTokens, total_tokens: pt + maxTokens } });
      }
      res.write('data: [DONE]\n\n');
      res.end();
    }
    state.activeStreams--;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    port,
    options,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  }) as FakeEngine;
}
