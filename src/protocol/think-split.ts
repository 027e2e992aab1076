// Reasoning models without a reasoning parser on the engine write their thoughts as a leading
// `<think>…</think>` block in the content. These split it off, whole or as it streams.
import { escapeJson, unescapeJson } from './chat-chunk.js';

const OPEN = '<think>';
const CLOSE = '</think>';

export function splitThink(content: string): { reasoning: string; text: string } {
  const lead = content.length - content.trimStart().length;
  if (!content.startsWith(OPEN, lead)) return { reasoning: '', text: content };
  const close = content.indexOf(CLOSE, lead + OPEN.length);
  if (close < 0) return { reasoning: content.slice(lead + OPEN.length), text: '' };
  return { reasoning: content.slice(lead + OPEN.length, close), text: content.slice(close + CLOSE.length).trimStart() };
}

export interface ThinkPiece {
  readonly kind: 'reasoning' | 'text';
  /** JSON-escaped. */
  readonly text: string;
}

/**
 * Streams content pieces (JSON-escaped) into reasoning and text. Only the start of a reply is looked
 * at: once it is clear there is no leading <think>, pieces pass through undecoded.
 */
export class ThinkSplitter {
  private state: 'undecided' | 'thinking' | 'after' | 'plain' = 'undecided';
  /** Decoded text held back while undecided, or a possible partial </think> while thinking. */
  private held = '';

  /** Past the start of the reply with no <think>: everything is text. */
  get plain(): boolean {
    return this.state === 'plain';
  }

  push(escaped: string, out: ThinkPiece[]): void {
    if (this.state === 'plain') {
      out.push({ kind: 'text', text: escaped });
      return;
    }
    this.feed(unescapeJson(escaped), out);
  }

  private feed(text: string, out: ThinkPiece[]): void {
    if (this.state === 'undecided') {
      const all = this.held + text;
      const trimmed = all.trimStart();
      if (trimmed.length < OPEN.length && OPEN.startsWith(trimmed)) {
        this.held = all;
        return;
      }
      this.held = '';
      if (!trimmed.startsWith(OPEN)) {
        this.state = 'plain';
        if (all) out.push({ kind: 'text', text: escapeJson(all) });
        return;
      }
      this.state = 'thinking';
      text = trimmed.slice(OPEN.length);
    }
    if (this.state === 'thinking') {
      const all = this.held + text;
      const close = all.indexOf(CLOSE);
      if (close < 0) {
        // Keep what could be the start of </think>.
        let keep = Math.min(all.length, CLOSE.length - 1);
        while (keep > 0 && !CLOSE.startsWith(all.slice(all.length - keep))) keep--;
        this.held = all.slice(all.length - keep);
        const emit = all.slice(0, all.length - keep);
        if (emit) out.push({ kind: 'reasoning', text: escapeJson(emit) });
        return;
      }
      this.held = '';
      if (close > 0) out.push({ kind: 'reasoning', text: escapeJson(all.slice(0, close)) });
      this.state = 'after';
      text = all.slice(close + CLOSE.length);
    }
    // Right after </think>: drop the blank lines that separate it from the answer.
    const rest = text.trimStart();
    if (!rest) return;
    this.state = 'plain';
    out.push({ kind: 'text', text: escapeJson(rest) });
  }

  /** The end of the stream: whatever was held back. */
  flush(out: ThinkPiece[]): void {
    if (!this.held) return;
    out.push({ kind: this.state === 'thinking' ? 'reasoning' : 'text', text: escapeJson(this.held) });
    this.held = '';
  }
}
