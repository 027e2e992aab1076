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
/** What may follow finish_reason:null when nothing else does: `}]}` and the blank line (CRs stripped). */
const SHORT_TAIL = 6;

/** A short needle at `at`: a byte loop is cheaper than a native compare call for ~20 bytes. */
function matchesAt(buf: Buffer, needle: Buffer, at: number): boolean {
  if (at < 0 || at + needle.length > buf.length) return false;
  for (let i = 0; i < needle.length; i++) if (buf[at + i] !== needle[i]) return false;
  return true;
}

/** Index of the quote that closes the JSON string whose body starts at `from`, or -1. */
function stringEnd(buf: Buffer, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = buf[i];
    if (c === 92 /* \ */) i++;
    else if (c === 34 /* " */) return i;
  }
  return -1;
}

/** Where a needle sits relative to `base`: the last offset if it still matches, else searched (and remembered). */
class Offset {
  private value = -1;

  constructor(private readonly needle: Buffer) {}

  find(buf: Buffer, base: number, end: number): number {
    if (this.value >= 0 && matchesAt(buf, this.needle, base + this.value)) return base + this.value;
    const found = buf.indexOf(this.needle, base);
    if (found < 0 || found >= end) return -1;
    this.value = found - base;
    return found;
  }
}

/**
 * Reads an engine's chat chunks. An engine writes its fields in a fixed order, so once found, the
 * content key sits at the same offset from each event's start and finish_reason at the same offset
 * after the text: both are checked with a byte compare before falling back to a search.
 */
export class ChunkReader {
  private readonly content = new Offset(CONTENT_KEY);
  private readonly finish = new Offset(FINISH_NULL);

  /** One whole event: `start` to `end` (just past its blank line) in `buf`. */
  read(buf: Buffer, start: number, end: number): ChunkView {
    const at = this.content.find(buf, start, end);
    if (at >= 0) {
      const from = at + CONTENT_KEY.length;
      const close = stringEnd(buf, from, end);
      // The delta holds only the content, the choice is not finished and carries no usage.
      if (close > 0 && buf[close + 1] === 125 /* } */) {
        const fin = this.finish.find(buf, close, end);
        const rest = fin + FINISH_NULL.length;
        if (fin >= 0 && (end - rest <= SHORT_TAIL || !buf.subarray(rest, end).includes(USAGE_OBJECT))) {
          return { kind: 'text', text: buf.toString('utf8', from, close) };
        }
      }
    }
    return parseEvent(buf.subarray(start, end));
  }
}

function parseEvent(event: Buffer): ChunkView {
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

/** One event on its own (tests, single reads). */
export function readChunk(event: Buffer): ChunkView {
  return new ChunkReader().read(event, 0, event.length);
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
