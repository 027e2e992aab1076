// Reads one chat-completion stream event for the translating codecs. The common event — a content
// delta and nothing else — is recognised in the bytes and its text handed on still JSON-escaped, so
// most events are never parsed; anything else (role, tool calls, reasoning, finish, usage) is parsed.
import { isJsonObject, type JsonObject } from './json.js';
import { eventData } from './sse.js';

export type ChunkView =
  /** A content delta: `text` is the JSON-escaped string body, ready to embed in another JSON string. */
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'json'; readonly json: JsonObject }
  | { readonly kind: 'done' }
  | { readonly kind: 'none' };

const CONTENT_KEY = Buffer.from('"delta":{"content":"');
const FINISH_NULL = Buffer.from('"finish_reason":null');
const USAGE_OBJECT = Buffer.from('"usage":{');
const DONE_VIEW: ChunkView = { kind: 'done' };
const NONE_VIEW: ChunkView = { kind: 'none' };

/** Index of the quote that closes the JSON string whose body starts at `from`, or -1. */
function stringEnd(buf: Buffer, from: number): number {
  for (let i = from; i < buf.length; i++) {
    const c = buf[i];
    if (c === 92 /* \ */) i++;
    else if (c === 34 /* " */) return i;
  }
  return -1;
}

export function readChunk(event: Buffer): ChunkView {
  const at = event.indexOf(CONTENT_KEY);
  if (at >= 0) {
    const start = at + CONTENT_KEY.length;
    const end = stringEnd(event, start);
    // The delta holds only the content, the choice is not finished and carries no usage.
    if (end > 0 && event[end + 1] === 125 /* } */ && event.includes(FINISH_NULL, end) && !event.includes(USAGE_OBJECT, end)) {
      return { kind: 'text', text: event.toString('utf8', start, end) };
    }
  }
  const data = eventData(event);
  if (data === undefined) return NONE_VIEW;
  if (data === '[DONE]') return DONE_VIEW;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new Error('the model server sent an event that is not JSON');
  }
  return isJsonObject(json) ? { kind: 'json', json } : NONE_VIEW;
}

/** A string as the body of a JSON string literal (no quotes). */
export function escapeJson(s: string): string {
  const q = JSON.stringify(s);
  return q.slice(1, -1);
}

/** The string a JSON-escaped body stands for. */
export function unescapeJson(escaped: string): string {
  return JSON.parse(`"${escaped}"`) as string;
}
