// Sends one benchmark request over an undici pool and times it with the monotonic clock.
// The clock is read once per network read, not per event: events that arrive together arrive together.
import type { Dispatcher } from 'undici';
import { SseDataLines } from './sse-lines.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface OutgoingRequest {
  /** Chat messages (chat endpoint) or a prompt (completions endpoint). */
  messages?: ChatMessage[];
  prompt?: string;
  maxTokens: number;
}

export interface SendOptions {
  basePath: string;
  endpoint: 'chat' | 'completions';
  model: string;
  stream: boolean;
  ignoreEos: boolean;
  /** Ask for usage in the stream (stream_options.include_usage); off for servers that reject it. */
  includeUsage?: boolean;
  temperature: number;
  headers: Record<string, string>;
  signal: AbortSignal;
  /** Keep the generated text (multi-turn chats feed it back). */
  keepText: boolean;
}

export interface RequestOutcome {
  ok: boolean;
  error?: string;
  httpStatus?: number;
  e2eMs: number;
  ttftMs?: number;
  itlMs?: number[];
  promptTokens?: number;
  completionTokens?: number;
  chunks: number;
  text?: string;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

interface ChoiceDelta {
  text?: string;
  delta?: { content?: string | null; reasoning_content?: string | null; reasoning?: string | null };
  message?: { content?: string | null; reasoning_content?: string | null };
}

interface StreamDoc {
  choices?: ChoiceDelta[];
  usage?: Usage | null;
  error?: { message?: string } | string;
}

function choiceText(c: ChoiceDelta | undefined): string {
  if (!c) return '';
  if (typeof c.text === 'string') return c.text;
  const d = c.delta ?? c.message;
  if (!d) return '';
  return (d.content ?? '') + (d.reasoning_content ?? '') + ('reasoning' in d && typeof d.reasoning === 'string' ? d.reasoning : '');
}

export function requestBody(req: OutgoingRequest, o: SendOptions): string {
  const body: Record<string, unknown> = { model: o.model, max_tokens: req.maxTokens, temperature: o.temperature, stream: o.stream };
  if (o.endpoint === 'chat') body.messages = req.messages ?? [{ role: 'user', content: req.prompt ?? '' }];
  else body.prompt = req.prompt ?? (req.messages ?? []).map((m) => m.content).join('\n');
  if (o.stream && o.includeUsage !== false) body.stream_options = { include_usage: true };
  if (o.ignoreEos) body.ignore_eos = true;
  return JSON.stringify(body);
}

function errorMessage(raw: string): string {
  try {
    const doc = JSON.parse(raw) as StreamDoc;
    if (typeof doc.error === 'string') return doc.error;
    if (doc.error?.message) return doc.error.message;
  } catch {
    // not JSON: use the text itself
  }
  return raw.slice(0, 300);
}

function describeFailure(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    const r: unknown = signal.reason;
    if (r instanceof Error && r.name === 'TimeoutError') return 'timeout';
    return r instanceof Error ? r.message : 'aborted';
  }
  const code = (err as { code?: string }).code;
  const msg = err instanceof Error ? err.message : String(err);
  return code && !msg.includes(code) ? `${code}: ${msg}` : msg;
}

export async function sendRequest(pool: Dispatcher, req: OutgoingRequest, o: SendOptions): Promise<RequestOutcome> {
  const path = o.basePath + (o.endpoint === 'chat' ? '/chat/completions' : '/completions');
  const body = requestBody(req, o);
  const t0 = performance.now();
  let chunks = 0;
  let ttft: number | undefined;
  let last = 0;
  const itl: number[] = [];
  let usage: Usage | undefined;
  let text = '';
  let streamError: string | undefined;
  try {
    const res = await pool.request({
      method: 'POST',
      path,
      headers: { 'content-type': 'application/json', accept: o.stream ? 'text/event-stream' : 'application/json', ...o.headers },
      body,
      signal: o.signal,
    });
    if (res.statusCode !== 200) {
      const raw = await res.body.text();
      return { ok: false, httpStatus: res.statusCode, error: `HTTP ${res.statusCode}: ${errorMessage(raw)}`, e2eMs: performance.now() - t0, chunks: 0 };
    }
    if (!o.stream) {
      const doc = (await res.body.json()) as StreamDoc;
      const e2e = performance.now() - t0;
      const content = choiceText(doc.choices?.[0]);
      return {
        ok: true,
        httpStatus: 200,
        e2eMs: e2e,
        promptTokens: doc.usage?.prompt_tokens,
        completionTokens: doc.usage?.completion_tokens,
        chunks: content.length > 0 ? 1 : 0,
        text: o.keepText ? content : undefined,
      };
    }
    const lines = new SseDataLines();
    let now = 0;
    const onData = (payload: string): void => {
      if (payload === '[DONE]') return;
      let doc: StreamDoc;
      try {
        doc = JSON.parse(payload) as StreamDoc;
      } catch {
        return; // keep-alive comments or non-JSON noise carry no tokens
      }
      if (doc.error) {
        streamError = typeof doc.error === 'string' ? doc.error : (doc.error.message ?? 'error event in stream');
        return;
      }
      if (doc.usage) usage = doc.usage;
      const piece = choiceText(doc.choices?.[0]);
      if (piece.length === 0) return;
      if (ttft === undefined) ttft = now - t0;
      else itl.push(now - last);
      last = now;
      chunks++;
      if (o.keepText) text += piece;
    };
    // 'data' events rather than for-await: one promise less per network read on the hot path.
    await new Promise<void>((resolve, reject) => {
      res.body.on('data', (chunk: Buffer) => {
        now = performance.now();
        lines.push(chunk, onData);
      });
      res.body.once('end', resolve);
      res.body.once('error', reject);
    });
    lines.flush(onData);
    const e2e = performance.now() - t0;
    if (streamError !== undefined) return { ok: false, httpStatus: 200, error: streamError, e2eMs: e2e, ttftMs: ttft, chunks };
    return {
      ok: true,
      httpStatus: 200,
      e2eMs: e2e,
      ttftMs: ttft,
      itlMs: itl,
      promptTokens: usage?.prompt_tokens,
      completionTokens: usage?.completion_tokens,
      chunks,
      text: o.keepText ? text : undefined,
    };
  } catch (err) {
    return { ok: false, error: describeFailure(err, o.signal), e2eMs: performance.now() - t0, ttftMs: ttft, chunks };
  }
}
