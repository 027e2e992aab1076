// Encodes an engine's chat turn as an Anthropic Messages reply: the message object, and the streamed
// events (message_start, content_block_*, message_delta, message_stop) as Anthropic sends them.
import { randomUUID } from 'node:crypto';
import type { ChatTurn, TurnToolCall } from './chat-turn.js';
import type { JsonObject, JsonValue } from './json.js';
import type { UsageCounts } from './sse.js';
import { summaryOf, type ItemEvents, type TextKind, type TurnSummary } from './turn-stream.js';

export interface MessageHead {
  readonly id: string;
  readonly model: string;
  readonly stopSequences: readonly string[];
}

export function messageHead(model: string, stopSequences: readonly string[]): MessageHead {
  return { id: `msg_${randomUUID().replaceAll('-', '').slice(0, 24)}`, model, stopSequences };
}

function toolUseId(callId: string): string {
  return callId.startsWith('toolu_') ? callId : `toolu_${callId.replace(/^call_/, '')}`;
}

function toolInput(args: string): JsonValue {
  try {
    const v = JSON.parse(args || '{}') as JsonValue;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
  } catch {
    // Arguments that are not JSON are kept, not dropped.
    return { _raw: args };
  }
}

function stopReason(h: MessageHead, turn: TurnSummary): { stop_reason: string; stop_sequence: string | null } {
  switch (turn.finish) {
    case 'length':
      return { stop_reason: 'max_tokens', stop_sequence: null };
    case 'tool_calls':
      return { stop_reason: 'tool_use', stop_sequence: null };
    case 'content_filter':
      return { stop_reason: 'refusal', stop_sequence: null };
    default:
      if (turn.toolCalls > 0) return { stop_reason: 'tool_use', stop_sequence: null };
      if (turn.stopString !== undefined && h.stopSequences.includes(turn.stopString)) return { stop_reason: 'stop_sequence', stop_sequence: turn.stopString };
      return { stop_reason: 'end_turn', stop_sequence: null };
  }
}

export function anthropicUsage(u: UsageCounts | undefined, estimate = 0): JsonObject {
  return {
    input_tokens: u?.prompt_tokens ?? estimate,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: u?.prompt_tokens_details?.cached_tokens ?? 0,
    output_tokens: u?.completion_tokens ?? 0,
  };
}

function blocks(turn: ChatTurn): JsonObject[] {
  const out: JsonObject[] = [];
  if (turn.reasoning) out.push({ type: 'thinking', thinking: turn.reasoning, signature: '' });
  if (turn.text) out.push({ type: 'text', text: turn.text });
  for (const c of turn.toolCalls) out.push({ type: 'tool_use', id: toolUseId(c.id), name: c.name, input: toolInput(c.arguments) });
  return out;
}

/** The whole message for a non-streamed request. */
export function messageFromTurn(h: MessageHead, turn: ChatTurn): JsonObject {
  return { id: h.id, type: 'message', role: 'assistant', model: h.model, content: blocks(turn), ...stopReason(h, summaryOf(turn)), usage: anthropicUsage(turn.usage) };
}

function event(type: string, data: JsonObject): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** The content-block events of a Messages stream; fed by TurnStream. */
export class MessagesEvents implements ItemEvents {
  private index = -1;
  private deltaHead = '';
  private deltaTail = '';

  constructor(private readonly head: MessageHead) {}

  /** message_start (input tokens as estimated; the final count comes in message_delta) and a ping. */
  start(promptEstimate: number): string {
    const message = { id: this.head.id, type: 'message', role: 'assistant', model: this.head.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...anthropicUsage(undefined, promptEstimate), output_tokens: 1 } };
    return event('message_start', { message }) + event('ping', {});
  }

  private setDelta(type: string, field: string): void {
    this.deltaHead = `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.index},"delta":{"type":"${type}","${field}":"`;
    this.deltaTail = '"}}\n\n';
  }

  open(kind: TextKind): string {
    this.index++;
    if (kind === 'reasoning') {
      this.setDelta('thinking_delta', 'thinking');
      return event('content_block_start', { index: this.index, content_block: { type: 'thinking', thinking: '', signature: '' } });
    }
    this.setDelta('text_delta', 'text');
    return event('content_block_start', { index: this.index, content_block: { type: 'text', text: '' } });
  }

  delta(_kind: TextKind, escaped: string): string {
    return this.deltaHead + escaped + this.deltaTail;
  }

  close(kind: TextKind): string {
    // Thinking blocks end with their signature (empty: nothing to verify on a self-hosted engine).
    const sig = kind === 'reasoning' ? event('content_block_delta', { index: this.index, delta: { type: 'signature_delta', signature: '' } }) : '';
    return sig + event('content_block_stop', { index: this.index });
  }

  openTool(id: string, name: string): string {
    this.index++;
    this.setDelta('input_json_delta', 'partial_json');
    return event('content_block_start', { index: this.index, content_block: { type: 'tool_use', id: toolUseId(id), name, input: {} } });
  }

  toolDelta(escaped: string): string {
    return this.deltaHead + escaped + this.deltaTail;
  }

  closeTool(_call: TurnToolCall): string {
    return event('content_block_stop', { index: this.index });
  }

  /** message_delta with the stop reason and usage, then message_stop. */
  finish(turn: TurnSummary): string {
    return event('message_delta', { delta: stopReason(this.head, turn), usage: anthropicUsage(turn.usage) }) + event('message_stop', {});
  }

  fail(type: string, message: string): string {
    return event('error', { error: { type, message } });
  }
}
