// Prompt size and leading text, without a tokenizer: the basis of token estimates and prefix routing.
import type { JsonValue } from './json.js';

/** How much leading text prefix routing looks at (256 blocks of 64 characters). */
export const PREFIX_CHARS = 16_384;

export interface PromptText {
  chars: number;
  prefix: string;
  /** Messages (chat) or inputs (completions, embeddings): each adds template tokens the characters do not show. */
  parts: number;
}

function contentText(content: JsonValue | undefined): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    let s = '';
    for (const part of content) {
      if (part && typeof part === 'object' && !Array.isArray(part) && typeof part.text === 'string') s += part.text;
    }
    return s;
  }
  return '';
}

export function messagesText(messages: readonly JsonValue[]): PromptText {
  let chars = 0;
  let prefix = '';
  for (const m of messages) {
    if (!m || typeof m !== 'object' || Array.isArray(m)) continue;
    const text = contentText(m.content);
    chars += text.length;
    if (prefix.length < PREFIX_CHARS) prefix += `${typeof m.role === 'string' ? m.role : ''}:${text}\n`;
  }
  return { chars, prefix: prefix.length > PREFIX_CHARS ? prefix.slice(0, PREFIX_CHARS) : prefix, parts: messages.length };
}

/** Adds the size of tool definitions, which chat templates render into the prompt. */
export function withTools(text: PromptText, tools: JsonValue | undefined): PromptText {
  if (!Array.isArray(tools) || tools.length === 0) return text;
  return { ...text, chars: text.chars + JSON.stringify(tools).length };
}

export function inputText(input: JsonValue | undefined): PromptText {
  if (typeof input === 'string') return { chars: input.length, prefix: input.slice(0, PREFIX_CHARS), parts: 1 };
  if (Array.isArray(input)) {
    let chars = 0;
    let prefix = '';
    let ids = 0;
    for (const item of input) {
      // Token-id arrays count as one token (4 chars) per id.
      if (typeof item === 'number') ids++;
      const len = typeof item === 'string' ? item.length : typeof item === 'number' ? 4 : Array.isArray(item) ? item.length * 4 : 0;
      chars += len;
      if (typeof item === 'string' && prefix.length < PREFIX_CHARS) prefix += item;
    }
    // A flat array of token ids is one prompt; otherwise each item is one.
    return { chars, prefix: prefix.slice(0, PREFIX_CHARS), parts: ids === input.length ? 1 : input.length };
  }
  return { chars: 0, prefix: '', parts: 0 };
}
