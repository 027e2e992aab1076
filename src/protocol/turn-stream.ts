// Turns an engine's chat-completion stream into a sequence of output items — reasoning, text, tool
// calls — each opened, filled and closed once, for the codecs that write item-shaped streams
// (Responses output items, Messages content blocks). The codec supplies the event text of each step.
import { ChunkReader, escapeJson, unescapeJson, type ChunkView } from './chat-chunk.js';
import { emptyTurn, streamError, type ChatTurn, type TurnToolCall } from './chat-turn.js';
import { isJsonObject, type JsonObject } from './json.js';
import type { UsageCounts } from './sse.js';
import { ThinkSplitter, type ThinkPiece } from './think-split.js';

export type TextKind = 'reasoning' | 'text';

/** How a turn ended: what closing events need (stop reason, usage), not its text. */
export interface TurnSummary {
  readonly finish: string | undefined;
  readonly stopString: string | undefined;
  readonly usage: UsageCounts | undefined;
  /** Tool calls made. */
  readonly toolCalls: number;
}

export function summaryOf(turn: ChatTurn): TurnSummary {
  return { finish: turn.finish, stopString: turn.stopString, usage: turn.usage, toolCalls: turn.toolCalls.length };
}

/** What a codec writes at each step; every argument that is text is JSON-escaped. */
export interface ItemEvents {
  open(kind: TextKind): string;
  delta(kind: TextKind, escaped: string): string;
  close(kind: TextKind, escapedFull: string): string;
  openTool(id: string, name: string): string;
  toolDelta(escaped: string): string;
  closeTool(call: TurnToolCall): string;
}

interface ToolAcc {
  id: string;
  name: string;
  args: string[];
  opened: boolean;
}

type Current = TextKind | ToolAcc | undefined;

export class TurnStream {
  private current: Current;
  private readonly reasoning: string[] = [];
  private readonly text: string[] = [];
  private readonly tools: ToolAcc[] = [];
  private readonly splitter = new ThinkSplitter();
  private readonly pieces: ThinkPiece[] = [];
  private readonly reader = new ChunkReader();
  finish: string | undefined;
  stopString: string | undefined;
  usage: UsageCounts | undefined;
  /** Content events seen: the completion-token estimate when the engine reports no usage. */
  contentEvents = 0;

  constructor(private readonly events: ItemEvents) {}

  /** Client events for one upstream event; 'done' when it was [DONE]. Throws on an engine error event. */
  push(event: Buffer): string | 'done' {
    return this.pushAt(event, 0, event.length);
  }

  /** The same for the event from `start` to `end` of a buffer of whole events. */
  pushAt(buf: Buffer, start: number, end: number): string | 'done' {
    const view: ChunkView = this.reader.read(buf, start, end);
    if (view.kind === 'done') return 'done';
    if (view.kind === 'none') return '';
    this.contentEvents++;
    if (view.kind === 'text') return this.content(view.text);
    return this.json(view.json);
  }

  private content(escaped: string): string {
    if (this.splitter.plain) return this.textDelta('text', escaped);
    this.splitter.push(escaped, this.pieces);
    return this.drain();
  }

  private drain(): string {
    let out = '';
    for (const p of this.pieces) out += this.textDelta(p.kind, p.text);
    this.pieces.length = 0;
    return out;
  }

  private json(json: JsonObject): string {
    const error = streamError(json);
    if (error !== undefined) throw new Error(error);
    if (isJsonObject(json.usage)) this.usage = json.usage as UsageCounts;
    const choice = Array.isArray(json.choices) && isJsonObject(json.choices[0]) ? json.choices[0] : undefined;
    if (!choice) {
      this.contentEvents--;
      return '';
    }
    if (typeof choice.finish_reason === 'string') this.finish = choice.finish_reason;
    if (typeof choice.stop_reason === 'string') this.stopString = choice.stop_reason;
    const delta = isJsonObject(choice.delta) ? choice.delta : undefined;
    if (!delta) return '';
    let out = '';
    const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : typeof delta.reasoning === 'string' ? delta.reasoning : '';
    if (reasoning) out += this.textDelta('reasoning', escapeJson(reasoning));
    if (typeof delta.content === 'string' && delta.content) out += this.content(escapeJson(delta.content));
    if (Array.isArray(delta.tool_calls)) {
      delta.tool_calls.forEach((tc, i) => {
        if (isJsonObject(tc)) out += this.toolDelta(typeof tc.index === 'number' ? tc.index : i, tc);
      });
    }
    return out;
  }

  private switchTo(next: Current): string {
    if (this.current === next) return '';
    let out = this.closeCurrent();
    this.current = next;
    if (next === 'reasoning' || next === 'text') out += this.events.open(next);
    else if (next) {
      next.opened = true;
      out += this.events.openTool(next.id, next.name);
    }
    return out;
  }

  private closeCurrent(): string {
    const c = this.current;
    this.current = undefined;
    if (c === 'reasoning') return this.events.close('reasoning', this.reasoning.join(''));
    if (c === 'text') return this.events.close('text', this.text.join(''));
    if (c) return this.events.closeTool({ id: c.id, name: c.name, arguments: unescapeJson(c.args.join('')) });
    return '';
  }

  private textDelta(kind: TextKind, escaped: string): string {
    if (!escaped) return '';
    (kind === 'reasoning' ? this.reasoning : this.text).push(escaped);
    return this.switchTo(kind) + this.events.delta(kind, escaped);
  }

  private toolDelta(index: number, tc: JsonObject): string {
    const fn = isJsonObject(tc.function) ? tc.function : {};
    let acc = this.tools[index];
    if (!acc) {
      acc = { id: '', name: '', args: [], opened: false };
      this.tools[index] = acc;
    }
    if (typeof tc.id === 'string' && !acc.opened) acc.id = tc.id;
    if (typeof fn.name === 'string' && !acc.opened) acc.name += fn.name;
    const args = typeof fn.arguments === 'string' ? escapeJson(fn.arguments) : isJsonObject(fn.arguments) ? escapeJson(JSON.stringify(fn.arguments)) : '';
    if (args) acc.args.push(args);
    // A call item opens once its name is known; arguments that came before go out with the opening.
    if (!acc.opened && !acc.name) return '';
    if (!acc.id) acc.id = `call_${index}`;
    let out = '';
    if (this.current !== acc) {
      out += this.switchTo(acc);
      const before = acc.args.join('');
      if (before) out += this.events.toolDelta(before);
      return out;
    }
    return args ? this.events.toolDelta(args) : '';
  }

  /** Closes what is open at the end of the stream. */
  end(): string {
    this.splitter.flush(this.pieces);
    let out = this.drain();
    for (let i = 0; i < this.tools.length; i++) {
      const t = this.tools[i];
      // A call whose name never came still becomes an item.
      if (t && !t.opened) out += this.switchTo(Object.assign(t, { id: t.id || `call_${i}` }));
    }
    return out + this.closeCurrent();
  }

  /** How the turn ended, without decoding its text. */
  summary(): TurnSummary {
    return { finish: this.finish, stopString: this.stopString, usage: this.usage, toolCalls: this.tools.length };
  }

  /** The whole turn, decoded. */
  turn(): ChatTurn {
    const turn = emptyTurn();
    turn.reasoning = unescapeJson(this.reasoning.join(''));
    turn.text = unescapeJson(this.text.join(''));
    turn.toolCalls = this.tools.filter((t): t is ToolAcc => t !== undefined).map((t) => ({ id: t.id, name: t.name, arguments: unescapeJson(t.args.join('')) }));
    turn.finish = this.finish;
    turn.stopString = this.stopString;
    turn.usage = this.usage;
    return turn;
  }
}
