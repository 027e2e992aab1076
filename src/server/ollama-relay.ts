// Relays an engine's OpenAI reply to an Ollama client: JSON ↔ JSON, SSE → NDJSON.
import type { ServerResponse } from 'node:http';
import type { UpstreamReply } from '../backends/backend.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../protocol/json.js';
import type { OllamaShape } from '../protocol/ollama-codec.js';
import { eventData, events, SseSplitter, type UsageCounts } from '../protocol/sse.js';
import { streamAborted, streamFailed, type RelayContext, type RelayResult } from './relay-result.js';
import { readReplyBody } from './reply-body.js';
import { write } from './write.js';

interface ToolCallAcc {
  name: string;
  args: string;
}

function ns(ms: number): number {
  return Math.round(ms * 1e6);
}

function doneReason(finish: string | undefined): string {
  return finish === 'length' ? 'length' : 'stop';
}

function ollamaToolCalls(calls: ToolCallAcc[]): JsonObject[] {
  return calls.map((c) => {
    let args: JsonValue = {};
    try {
      args = JSON.parse(c.args || '{}') as JsonValue;
    } catch {
      args = { _raw: c.args };
    }
    return { function: { name: c.name, arguments: args } };
  });
}

function timings(ctx: RelayContext, ttftMs: number | undefined, usage: UsageCounts | undefined): JsonObject {
  const total = performance.now() - ctx.arrivedAt;
  const first = ttftMs ?? total;
  return {
    total_duration: ns(total),
    load_duration: 0,
    prompt_eval_count: usage?.prompt_tokens ?? 0,
    prompt_eval_duration: ns(first),
    eval_count: usage?.completion_tokens ?? 0,
    eval_duration: ns(Math.max(0, total - first)),
  };
}

function contentOf(choice: JsonObject | undefined, route: OllamaShape['route']): string {
  if (!choice) return '';
  if (route === 'generate' && typeof choice.text === 'string') return choice.text;
  const m = isJsonObject(choice.message) ? choice.message : isJsonObject(choice.delta) ? choice.delta : undefined;
  return m && typeof m.content === 'string' ? m.content : typeof choice.text === 'string' ? choice.text : '';
}

function collectToolCalls(choice: JsonObject | undefined, acc: ToolCallAcc[]): void {
  const m = choice && (isJsonObject(choice.message) ? choice.message : isJsonObject(choice.delta) ? choice.delta : undefined);
  if (!m || !Array.isArray(m.tool_calls)) return;
  m.tool_calls.forEach((tc, i) => {
    if (!isJsonObject(tc)) return;
    const idx = typeof tc.index === 'number' ? tc.index : i;
    const fn = isJsonObject(tc.function) ? tc.function : {};
    const slot = (acc[idx] ??= { name: '', args: '' });
    if (typeof fn.name === 'string') slot.name += fn.name;
    if (typeof fn.arguments === 'string') slot.args += fn.arguments;
  });
}

export async function relayOllamaJson(res: ServerResponse, reply: UpstreamReply, shape: OllamaShape, ctx: RelayContext): Promise<RelayResult> {
  const read = await readReplyBody(reply, ctx);
  if (!read) return { outcome: 'client_aborted', status: 499, events: 0 };
  const { body: raw, ttftMs } = read;
  const json = JSON.parse(raw.toString('utf8')) as JsonObject;
  const usage = isJsonObject(json.usage) ? (json.usage as UsageCounts) : undefined;
  const createdAt = new Date().toISOString();
  let out: JsonObject;
  let finishReason: string | undefined;
  if (shape.route === 'embed' || shape.route === 'embeddings') {
    const vectors = Array.isArray(json.data) ? json.data.filter(isJsonObject).map((d) => d.embedding ?? []) : [];
    out =
      shape.route === 'embed'
        ? { model: shape.clientModel, embeddings: vectors, total_duration: ns(ttftMs), load_duration: 0, prompt_eval_count: usage?.prompt_tokens ?? 0 }
        : { embedding: vectors[0] ?? [] };
  } else {
    const choice = Array.isArray(json.choices) && isJsonObject(json.choices[0]) ? json.choices[0] : undefined;
    finishReason = choice && typeof choice.finish_reason === 'string' ? choice.finish_reason : undefined;
    const text = contentOf(choice, shape.route);
    const calls: ToolCallAcc[] = [];
    collectToolCalls(choice, calls);
    const base = { model: shape.clientModel, created_at: createdAt };
    const message: JsonObject = { role: 'assistant', content: text };
    if (calls.length) message.tool_calls = ollamaToolCalls(calls);
    out =
      shape.route === 'chat'
        ? { ...base, message, done_reason: doneReason(finishReason), done: true, ...timings(ctx, ttftMs, usage) }
        : { ...base, response: text, done: true, done_reason: doneReason(finishReason), ...timings(ctx, ttftMs, usage) };
  }
  const body = JSON.stringify(out);
  ctx.capture?.push(Buffer.from(body));
  res.writeHead(200, { ...ctx.headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  return { outcome: 'completed', status: 200, usage, finishReason, ttftMs, events: 1 };
}

export async function relayOllamaStream(res: ServerResponse, reply: UpstreamReply, shape: OllamaShape, ctx: RelayContext): Promise<RelayResult> {
  res.writeHead(200, { ...ctx.headers, 'content-type': 'application/x-ndjson' });
  const splitter = new SseSplitter();
  const result: RelayResult = { outcome: 'completed', status: 200, events: 0 };
  const calls: ToolCallAcc[] = [];
  let sawDone = false;
  const line = (text: string): JsonObject =>
    shape.route === 'chat'
      ? { model: shape.clientModel, created_at: new Date().toISOString(), message: { role: 'assistant', content: text }, done: false }
      : { model: shape.clientModel, created_at: new Date().toISOString(), response: text, done: false };
  try {
    for await (const raw of reply.body) {
      if (result.ttftMs === undefined) result.ttftMs = performance.now() - ctx.arrivedAt;
      const whole = splitter.push(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
      if (!whole) continue;
      let out = '';
      for (const ev of events(whole)) {
        const data = eventData(ev);
        if (data === undefined) continue;
        if (data === '[DONE]') {
          sawDone = true;
          continue;
        }
        const json = JSON.parse(data) as JsonObject;
        if (isJsonObject(json.error)) throw new Error(typeof json.error.message === 'string' ? json.error.message : 'upstream error');
        if (isJsonObject(json.usage)) result.usage = json.usage as UsageCounts;
        const choice = Array.isArray(json.choices) && isJsonObject(json.choices[0]) ? json.choices[0] : undefined;
        if (!choice) continue;
        if (typeof choice.finish_reason === 'string') result.finishReason = choice.finish_reason;
        collectToolCalls(choice, calls);
        const text = contentOf(choice, shape.route);
        if (text) {
          result.events++;
          out += JSON.stringify(line(text)) + '\n';
        }
      }
      if (out) {
        ctx.capture?.push(Buffer.from(out));
        const wait = write(res, out, ctx.signal, ctx.stallMs);
        if (wait) await wait;
      }
      if (ctx.signal.aborted) break;
    }
    if (ctx.signal.aborted) {
      const message = streamAborted(result, ctx, res.destroyed);
      if (message) res.write(JSON.stringify({ error: message }) + '\n');
    } else if (!sawDone) {
      throw new Error('the model server closed the stream before it finished');
    } else {
      const final = line('');
      if (calls.length && shape.route === 'chat') final.message = { role: 'assistant', content: '', tool_calls: ollamaToolCalls(calls) };
      Object.assign(final, { done: true, done_reason: doneReason(result.finishReason), ...timings(ctx, result.ttftMs, result.usage) });
      res.write(JSON.stringify(final) + '\n');
    }
  } catch (err) {
    const message = streamFailed(result, err, ctx, res.destroyed);
    if (message) res.write(JSON.stringify({ error: result.outcome === 'gateway_cut' ? message : `model server failed mid-stream: ${message}` }) + '\n');
  }
  res.end();
  return result;
}
