// One simulated vLLM replica over HTTP: the OpenAI routes, /health, /v1/models and /metrics, with
// tokens written when the engine core produces them on the fleet's real-time clock.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readBody } from '../../server/body.js';
import { chainSeed } from '../../router/prefix-hash.js';
import type { Clock } from '../clock.js';
import type { Distribution } from '../distribution.js';
import { Engine } from '../engine.js';
import type { Rng } from '../../random/seeded-rng.js';
import { SeqState, Sequence, type SeqListener } from '../sequence.js';
import type { ReplicaModel } from '../../perfmodel/types.js';
import type { FaultOptions } from './faults.js';
import { fillerToken } from './filler.js';
import { ReplicaMetrics } from './metrics.js';
import { embeddings, rerank, score, tokenize, type ExtraReply } from './extra-endpoints.js';
import { chatPrompt, completionPrompt } from './prompt.js';
import { planChoice, type ChoicePlan } from './reply-plan.js';
import { ChunkWriter, choiceChunk, errorBody, fullResponse, usage, type Endpoint } from './sse.js';

export interface ReplicaServerOptions {
  readonly index: number;
  readonly model: ReplicaModel;
  readonly servedModelName: string;
  readonly clock: Clock;
  readonly faults: FaultOptions;
  readonly outputLen: Distribution;
  readonly rng: Rng;
  readonly maxBodyBytes?: number;
  /** Probability of a tool call when tools are offered with tool_choice auto (default 0.25). */
  readonly toolCallRate?: number;
  /** max_tokens caps a sampled length instead of fixing it (ignore_eos still fixes it). */
  readonly naturalLength?: boolean;
  /** A generate-task model as vLLM serves it: embeddings, rerank and score answer 404 (no such route). */
  readonly generateOnly?: boolean;
}

interface Pending {
  readonly res: ServerResponse;
  readonly endpoint: Endpoint;
  readonly id: string;
  readonly created: number;
  /** One plan per choice (n). */
  readonly plans: readonly ChoicePlan[];
  /** Set when streaming. */
  readonly writer: ChunkWriter | undefined;
  readonly includeUsage: boolean;
  /** Choices still generating; prompt and cached tokens of the first. */
  remaining: number;
  completionTokens: number;
}

/** One choice's sequence: its request and its index. */
interface ChoiceRun {
  readonly pending: Pending;
  readonly index: number;
}

export class ReplicaServer {
  readonly engine: Engine;
  readonly metrics: ReplicaMetrics;
  readonly server: Server;
  /** Completion requests received. */
  requests = 0;
  dead = false;
  private readonly sockets = new Set<Socket>();
  private readonly seed: number;
  private readonly created = Math.floor(Date.now() / 1000);
  private nextId = 0;

  constructor(private readonly o: ReplicaServerOptions) {
    this.engine = new Engine(o.model, o.clock, { slowdown: o.faults.slowdown ?? 1 });
    this.metrics = new ReplicaMetrics(this.engine, o.servedModelName, o.model.spec.gpuMemoryUtilization ?? 0.9);
    this.seed = chainSeed(o.servedModelName);
    this.server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => this.route(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        resolve(typeof a === 'object' && a ? a.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const s of this.sockets) s.destroy();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }

  /** Crash: stop listening and cut every connection, mid-stream ones included. */
  die(): void {
    if (this.dead) return;
    this.dead = true;
    void this.close();
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q >= 0 ? url.slice(0, q) : url;
    const extra = req.method === 'POST' && (!this.o.generateOnly || path === '/tokenize') ? extraEndpoints[path] : undefined;
    if (extra) {
      void this.answerExtra(req, res, extra);
      return;
    }
    if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) {
      this.completion(req, res, path === '/v1/completions' ? 'completion' : 'chat').catch((err: unknown) => {
        // A bug must not leave the client hanging (that is what --hang-rate is for).
        console.error(`relais sim: replica ${this.o.index}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        if (!res.headersSent) send(res, 500, errorBody(500, 'internal error in the simulator'));
        else res.destroy();
      });
      return;
    }
    if (req.method === 'GET' && path === '/health') {
      res.writeHead(200, { 'content-length': 0 });
      return void res.end();
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const m = this.o.servedModelName;
      return send(res, 200, JSON.stringify({ object: 'list', data: [{ id: m, object: 'model', created: this.created, owned_by: 'vllm', root: m, parent: null, max_model_len: this.o.model.maxModelLen }] }));
    }
    if (req.method === 'GET' && path === '/metrics') {
      const body = this.metrics.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      return void res.end(body);
    }
    req.resume();
    send(res, 404, errorBody(404, `No route for ${req.method ?? ''} ${path}`));
  }

  private async answerExtra(req: IncomingMessage, res: ServerResponse, handler: ExtraHandler): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, this.o.maxBodyBytes ?? 32 * 1024 * 1024)).toString('utf8'));
    } catch (err) {
      return send(res, 400, errorBody(400, err instanceof Error ? err.message : 'bad request body'));
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return send(res, 400, errorBody(400, 'the body must be a JSON object'));
    const b = body as Record<string, unknown>;
    if (b.model !== undefined && b.model !== this.o.servedModelName) return send(res, 404, errorBody(404, `The model \`${String(b.model)}\` does not exist.`));
    const r = handler(b, this);
    send(res, r.status, r.body);
  }

  /** Model name, context length and prompt seed, for the non-generating endpoints. */
  get info(): { model: string; maxModelLen: number; seed: number } {
    return { model: this.o.servedModelName, maxModelLen: this.o.model.maxModelLen, seed: this.seed };
  }

  private async completion(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, this.o.maxBodyBytes ?? 32 * 1024 * 1024)).toString('utf8'));
    } catch (err) {
      const status = err && typeof err === 'object' && 'status' in err && err.status === 413 ? 413 : 400;
      return send(res, status, errorBody(status, err instanceof Error ? err.message : 'bad request body'));
    }
    if (this.dead) return void res.socket?.destroy();
    const f = this.o.faults;
    this.requests++;
    if (f.dieAfter !== undefined && this.requests > f.dieAfter) return this.die();
    if (f.hangRate && this.o.rng() < f.hangRate) return; // never answered; cut when the client or the fleet gives up
    if (f.errorRate && this.o.rng() < f.errorRate) return send(res, 500, errorBody(500, 'simulated engine failure'));
    if (!body || typeof body !== 'object' || Array.isArray(body)) return send(res, 400, errorBody(400, 'the body must be a JSON object'));
    const b = body as Record<string, unknown>;
    if (b.model !== this.o.servedModelName) return send(res, 404, errorBody(404, `The model \`${String(b.model)}\` does not exist.`));
    if (b.suffix !== undefined && b.suffix !== null && (endpoint !== 'completion' || typeof b.suffix !== 'string')) {
      return send(res, 400, errorBody(400, "'suffix' must be a string (completions only)"));
    }
    // Fill-in-the-middle: the suffix is part of the prompt the model reads.
    const promptText = typeof b.suffix === 'string' && typeof b.prompt === 'string' ? b.prompt + b.suffix : b.prompt;
    const prompt = endpoint === 'chat' ? chatPrompt(b.messages, this.seed, b.tools) : completionPrompt(promptText, this.seed);
    if ('error' in prompt) return send(res, 400, errorBody(400, prompt.error));
    const maxTokens = b.max_completion_tokens ?? b.max_tokens;
    if (maxTokens !== undefined && maxTokens !== null && !(Number.isInteger(maxTokens) && (maxTokens as number) >= 1)) {
      return send(res, 400, errorBody(400, 'max_tokens must be an integer >= 1'));
    }
    const n = b.n ?? 1;
    if (!(Number.isInteger(n) && (n as number) >= 1 && (n as number) <= 128)) return send(res, 400, errorBody(400, 'n must be an integer from 1 to 128'));
    const stop = b.stop;
    if (stop !== undefined && stop !== null && typeof stop !== 'string' && !(Array.isArray(stop) && stop.every((x) => typeof x === 'string'))) {
      return send(res, 400, errorBody(400, 'stop must be a string or an array of strings'));
    }
    const room = this.o.model.maxModelLen - prompt.tokens;
    const id = `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${this.o.index}-${this.nextId++}`;
    const plans: ChoicePlan[] = [];
    for (let i = 0; i < (n as number); i++) {
      plans.push(
        planChoice({
          body: endpoint === 'chat' ? b : { ...b, tools: undefined },
          sampledTokens: Math.max(1, Math.min(room, Math.round(this.o.outputLen.sample(this.o.rng)))),
          maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
          toolCallRate: this.o.toolCallRate ?? 0.25,
          naturalLength: this.o.naturalLength ?? false,
          rng: this.o.rng,
          callId: `call_${this.o.index}_${this.nextId}_${i}`,
        }),
      );
    }
    const why = this.engine.rejects(prompt.tokens, Math.max(...plans.map((p) => p.tokens)));
    if (why !== undefined) return send(res, 400, errorBody(400, why));

    const stream = b.stream === true;
    const so = b.stream_options;
    const includeUsage = stream && !!so && typeof so === 'object' && (so as Record<string, unknown>).include_usage === true;
    const created = Math.floor(Date.now() / 1000);
    const pending: Pending = {
      res,
      endpoint,
      id,
      created,
      plans,
      writer: stream ? new ChunkWriter(endpoint, id, created, this.o.servedModelName) : undefined,
      includeUsage,
      remaining: plans.length,
      completionTokens: 0,
    };
    const seqs = plans.map((plan, index) => {
      const seq = new Sequence(this.nextId, prompt.tokens, plan.tokens, prompt.hashes(plan.tokens), this.listener);
      seq.tag = { pending, index } satisfies ChoiceRun;
      return seq;
    });
    if (stream) {
      // Like vLLM's StreamingResponse: headers leave before the first token.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
    }
    res.on('close', () => {
      for (const seq of seqs) {
        if (seq.state === SeqState.Waiting || seq.state === SeqState.Running) {
          this.engine.abort(seq);
          this.metrics.finished.abort++;
        }
      }
    });
    for (const seq of seqs) this.engine.submit(seq);
  }

  private readonly listener: SeqListener = {
    onToken: (seq, t) => {
      const { pending: p, index } = seq.tag as ChoiceRun;
      const n = seq.output;
      // Arrival is stamped on the real clock; when the process runs late a step can start "before" it.
      if (n === 1) this.metrics.ttft.observe(t > seq.arrival ? t - seq.arrival : 0);
      else this.metrics.itl.observe(t - seq.lastToken);
      const w = p.writer;
      if (w === undefined) return;
      const plan = p.plans[index] as ChoicePlan;
      const last = n >= seq.maxOutput;
      let chunk: string;
      if (plan.pieces === undefined && index === 0) {
        // The fast path: filler text through the chunk template.
        const text = fillerToken(n - 1);
        chunk = last ? w.lastToken(text, plan.finish === 'length' ? 'length' : 'stop') : w.token(text);
      } else {
        chunk = choiceChunk(w, index, plan, n - 1, last);
      }
      p.res.write(n === 1 && p.endpoint === 'chat' ? w.roleChunk(index) + chunk : chunk);
    },
    onFinish: (seq, t) => {
      const { pending: p, index } = seq.tag as ChoiceRun;
      const m = this.metrics;
      m.e2e.observe(t - seq.arrival);
      m.queue.observe(seq.firstScheduled > seq.arrival ? seq.firstScheduled - seq.arrival : 0);
      const plan = p.plans[index] as ChoicePlan;
      m.finished[plan.finish === 'length' ? 'length' : 'stop']++;
      p.completionTokens += seq.output;
      if (--p.remaining > 0) return;
      // The prompt is counted once for all choices, as vLLM does.
      const u = usage(seq.promptTokens, p.completionTokens, seq.cachedTokens);
      if (p.writer !== undefined) {
        p.res.end(p.includeUsage ? `${p.writer.usageChunk(u)}data: [DONE]\n\n` : 'data: [DONE]\n\n');
      } else {
        send(p.res, 200, fullResponse(p.endpoint, p.id, p.created, this.o.servedModelName, p.plans, u));
      }
    },
  };
}

type ExtraHandler = (b: Record<string, unknown>, r: ReplicaServer) => ExtraReply;

const extraEndpoints: Record<string, ExtraHandler | undefined> = {
  '/v1/embeddings': (b, r) => embeddings(b, r.info.model),
  '/v1/rerank': (b, r) => rerank(b, r.info.model),
  '/rerank': (b, r) => rerank(b, r.info.model),
  '/v2/rerank': (b, r) => rerank(b, r.info.model),
  '/v1/score': (b, r) => score(b, r.info.model),
  '/score': (b, r) => score(b, r.info.model),
  '/tokenize': (b, r) => tokenize(b, r.info.maxModelLen, r.info.seed),
};

function send(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
