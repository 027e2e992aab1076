// Encodes an engine's chat turn as an OpenAI Responses API reply: the response object, and the
// streamed event sequence (response.created … response.completed) with sequence numbers.
import { randomUUID } from 'node:crypto';
import type { ChatTurn, TurnToolCall } from './chat-turn.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { UsageCounts } from './sse.js';
import type { ItemEvents, TextKind, TurnSummary } from './turn-stream.js';

/** Fixed for one response: its ids and the request fields a response echoes. */
export interface ResponseHead {
  readonly id: string;
  /** Suffix shared by this response's item ids. */
  readonly itemSuffix: string;
  readonly model: string;
  readonly createdAt: number;
  readonly echo: JsonObject;
  readonly includeEncrypted: boolean;
}

export function responseHead(request: JsonObject, model: string, store: boolean, includeEncrypted: boolean): ResponseHead {
  // randomUUID draws from a pooled buffer: cheaper per call than randomBytes.
  const hex = randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '').slice(0, 16);
  const tools = Array.isArray(request.tools) ? request.tools : [];
  const echo: JsonObject = {
    instructions: typeof request.instructions === 'string' ? request.instructions : null,
    max_output_tokens: typeof request.max_output_tokens === 'number' ? request.max_output_tokens : null,
    parallel_tool_calls: request.parallel_tool_calls !== false,
    previous_response_id: typeof request.previous_response_id === 'string' ? request.previous_response_id : null,
    reasoning: { effort: isJsonObject(request.reasoning) && typeof request.reasoning.effort === 'string' ? request.reasoning.effort : null, summary: null },
    store,
    temperature: typeof request.temperature === 'number' ? request.temperature : 1,
    text: isJsonObject(request.text) && isJsonObject(request.text.format) ? { format: request.text.format } : { format: { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools,
    top_p: typeof request.top_p === 'number' ? request.top_p : 1,
    truncation: 'disabled',
    user: typeof request.user === 'string' ? request.user : null,
    metadata: isJsonObject(request.metadata) ? request.metadata : {},
  };
  return { id: `resp_${hex}`, itemSuffix: hex.slice(0, 24), model, createdAt: Math.floor(Date.now() / 1000), echo, includeEncrypted };
}

export function responsesUsage(u: UsageCounts | undefined): JsonObject | null {
  if (!u) return null;
  const input = u.prompt_tokens ?? 0;
  const output = u.completion_tokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.prompt_tokens_details?.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: u.total_tokens ?? input + output,
  };
}

function itemId(h: ResponseHead, prefix: string, index: number): string {
  return `${prefix}_${h.itemSuffix}${index.toString(16).padStart(2, '0')}`;
}

/** Reasoning as an opaque token a stateless client sends back (the text is the model's own, not a secret). */
function encryptedReasoning(text: string): string {
  return Buffer.from(JSON.stringify({ v: 1, reasoning: text })).toString('base64');
}

function reasoningItem(h: ResponseHead, id: string, text: string, done: boolean): JsonObject {
  const item: JsonObject = { id, type: 'reasoning', summary: [], content: done ? [{ type: 'reasoning_text', text }] : [] };
  if (h.includeEncrypted && done) item.encrypted_content = encryptedReasoning(text);
  return item;
}

function messageItem(id: string, text: string, done: boolean): JsonObject {
  return {
    id,
    type: 'message',
    status: done ? 'completed' : 'in_progress',
    role: 'assistant',
    content: done ? [{ type: 'output_text', text, annotations: [], logprobs: [] }] : [],
  };
}

function callItem(id: string, call: TurnToolCall, done: boolean): JsonObject {
  return { id, type: 'function_call', status: done ? 'completed' : 'in_progress', call_id: call.id, name: call.name, arguments: done ? call.arguments : '' };
}

/** The output items of a finished turn, in the order a stream presents them. */
export function outputItems(h: ResponseHead, turn: ChatTurn): JsonObject[] {
  const items: JsonObject[] = [];
  if (turn.reasoning) items.push(reasoningItem(h, itemId(h, 'rs', items.length), turn.reasoning, true));
  if (turn.text || turn.toolCalls.length === 0) items.push(messageItem(itemId(h, 'msg', items.length), turn.text, true));
  for (const c of turn.toolCalls) items.push(callItem(itemId(h, 'fc', items.length), c, true));
  return items;
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export function responseObject(h: ResponseHead, status: ResponseStatus, output: JsonValue[], usage: JsonObject | null, finish?: string, error?: string): JsonObject {
  return {
    id: h.id,
    object: 'response',
    created_at: h.createdAt,
    status,
    background: false,
    error: error === undefined ? null : { code: 'server_error', message: error },
    incomplete_details: status === 'incomplete' ? { reason: finish === 'content_filter' ? 'content_filter' : 'max_output_tokens' } : null,
    model: h.model,
    output,
    ...h.echo,
    usage,
  };
}

export function finishedStatus(finish: string | undefined): ResponseStatus {
  return finish === 'length' || finish === 'content_filter' ? 'incomplete' : 'completed';
}

/** The whole response for a non-streamed request. */
export function responseFromTurn(h: ResponseHead, turn: ChatTurn): JsonObject {
  return responseObject(h, finishedStatus(turn.finish), outputItems(h, turn), responsesUsage(turn.usage), turn.finish);
}

/**
 * The response object as JSON text, its fixed parts serialized once per response: the stream writes
 * it three times (created, in_progress, completed) and items are kept as JSON text, never re-encoded.
 */
class ResponseJson {
  private readonly echo: string;

  constructor(private readonly h: ResponseHead) {
    this.echo = JSON.stringify(h.echo).slice(1, -1);
  }

  text(status: ResponseStatus, items: readonly string[], usage: JsonObject | null, finish?: string, error?: string): string {
    const head = responseObject(this.h, status, [], null, finish, error);
    const fixed = JSON.stringify({ id: head.id, object: head.object, created_at: head.created_at, status, background: false, error: head.error, incomplete_details: head.incomplete_details, model: head.model });
    return `${fixed.slice(0, -1)},"output":[${items.join(',')}],${this.echo},"usage":${JSON.stringify(usage)}}`;
  }
}

/** The item events of a Responses stream, with sequence numbers; fed by TurnStream. */
export class ResponsesEvents implements ItemEvents {
  private seq = 0;
  private index = -1;
  private id = '';
  /** The start of each text delta event of the current item, up to its sequence number. */
  private deltaHead = '';
  private deltaMid = '';
  /** Finished output items, as JSON text. */
  private readonly items: string[] = [];
  private readonly json: ResponseJson;

  constructor(readonly head: ResponseHead) {
    this.json = new ResponseJson(head);
  }

  /** One event; `body` is its fields as JSON text without braces. */
  private event(type: string, body: string): string {
    return `event: ${type}\ndata: {"type":"${type}","sequence_number":${this.seq++},${body}}\n\n`;
  }

  private where(): string {
    return `"item_id":"${this.id}","output_index":${this.index},"content_index":0`;
  }

  /** response.created and response.in_progress. */
  start(): string {
    const r = this.json.text('in_progress', [], null);
    return this.event('response.created', `"response":${r}`) + this.event('response.in_progress', `"response":${r}`);
  }

  open(kind: TextKind): string {
    this.index++;
    const oi = this.index;
    if (kind === 'reasoning') {
      this.id = itemId(this.head, 'rs', oi);
      this.setDelta('response.reasoning_text.delta');
      return (
        this.event('response.output_item.added', `"output_index":${oi},"item":${JSON.stringify(reasoningItem(this.head, this.id, '', false))}`) +
        this.event('response.content_part.added', `${this.where()},"part":{"type":"reasoning_text","text":""}`)
      );
    }
    this.id = itemId(this.head, 'msg', oi);
    this.setDelta('response.output_text.delta');
    return (
      this.event('response.output_item.added', `"output_index":${oi},"item":${JSON.stringify(messageItem(this.id, '', false))}`) +
      this.event('response.content_part.added', `${this.where()},"part":{"type":"output_text","text":"","annotations":[],"logprobs":[]}`)
    );
  }

  private setDelta(type: string): void {
    this.deltaHead = `event: ${type}\ndata: {"type":"${type}","sequence_number":`;
    this.deltaMid = `,${this.where()},"delta":"`;
  }

  delta(kind: TextKind, escaped: string): string {
    return this.deltaHead + String(this.seq++) + this.deltaMid + escaped + (kind === 'text' ? '","logprobs":[]}\n\n' : '"}\n\n');
  }

  close(kind: TextKind, escapedFull: string): string {
    const text = `"${escapedFull}"`;
    if (kind === 'reasoning') {
      const item = JSON.stringify(reasoningItem(this.head, this.id, JSON.parse(text) as string, true));
      this.items.push(item);
      return (
        this.event('response.reasoning_text.done', `${this.where()},"text":${text}`) +
        this.event('response.content_part.done', `${this.where()},"part":{"type":"reasoning_text","text":${text}}`) +
        this.event('response.output_item.done', `"output_index":${this.index},"item":${item}`)
      );
    }
    const part = `{"type":"output_text","text":${text},"annotations":[],"logprobs":[]}`;
    const item = `{"id":"${this.id}","type":"message","status":"completed","role":"assistant","content":[${part}]}`;
    this.items.push(item);
    return (
      this.event('response.output_text.done', `${this.where()},"text":${text},"logprobs":[]`) +
      this.event('response.content_part.done', `${this.where()},"part":${part}`) +
      this.event('response.output_item.done', `"output_index":${this.index},"item":${item}`)
    );
  }

  openTool(id: string, name: string): string {
    this.index++;
    this.id = itemId(this.head, 'fc', this.index);
    this.deltaHead = `event: response.function_call_arguments.delta\ndata: {"type":"response.function_call_arguments.delta","sequence_number":`;
    this.deltaMid = `,"item_id":"${this.id}","output_index":${this.index},"delta":"`;
    return this.event('response.output_item.added', `"output_index":${this.index},"item":${JSON.stringify(callItem(this.id, { id, name, arguments: '' }, false))}`);
  }

  toolDelta(escaped: string): string {
    return this.deltaHead + String(this.seq++) + this.deltaMid + escaped + '"}\n\n';
  }

  closeTool(call: TurnToolCall): string {
    const item = JSON.stringify(callItem(this.id, call, true));
    this.items.push(item);
    return (
      this.event('response.function_call_arguments.done', `"item_id":"${this.id}","output_index":${this.index},"name":${JSON.stringify(call.name)},"arguments":${JSON.stringify(call.arguments)}`) +
      this.event('response.output_item.done', `"output_index":${this.index},"item":${item}`)
    );
  }

  /** The closing event: response.completed, or response.incomplete when the engine hit a limit; and the response as JSON text. */
  finish(end: TurnSummary): { text: string; responseJson: string } {
    const status = finishedStatus(end.finish);
    // A turn with no output at all still answers with an (empty) message, as OpenAI does.
    let pre = '';
    if (this.items.length === 0) pre = this.open('text') + this.close('text', '');
    const responseJson = this.json.text(status, this.items, responsesUsage(end.usage), end.finish);
    return { text: pre + this.event(status === 'completed' ? 'response.completed' : 'response.incomplete', `"response":${responseJson}`), responseJson };
  }

  /** The engine failed mid-stream: response.failed with what was produced so far. */
  fail(message: string): string {
    return this.event('response.failed', `"response":${this.json.text('failed', this.items, null, undefined, message)}`);
  }
}
