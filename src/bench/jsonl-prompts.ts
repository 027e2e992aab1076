// Prompts from a JSONL file: one object per line with "prompt", "messages" (OpenAI chat) or
// "conversations" (ShareGPT: first human turn), and optionally "max_tokens" / "output_tokens".
import { readFileSync } from 'node:fs';
import type { ChatMessage } from './send-request.js';

export interface FilePrompt {
  messages: ChatMessage[];
  maxTokens?: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toMessages(doc: Record<string, unknown>): ChatMessage[] | null {
  if (typeof doc.prompt === 'string') return [{ role: 'user', content: doc.prompt }];
  if (Array.isArray(doc.messages)) {
    const out: ChatMessage[] = [];
    for (const m of doc.messages) {
      if (!isRecord(m) || typeof m.content !== 'string') return null;
      const role = m.role === 'system' || m.role === 'assistant' ? m.role : 'user';
      out.push({ role, content: m.content });
    }
    return out.length > 0 ? out : null;
  }
  if (Array.isArray(doc.conversations)) {
    const first = doc.conversations.find((t): t is Record<string, unknown> => isRecord(t) && (t.from === 'human' || t.role === 'user'));
    const text = first?.value ?? first?.content;
    return typeof text === 'string' ? [{ role: 'user', content: text }] : null;
  }
  return null;
}

export function loadJsonlPrompts(file: string): FilePrompt[] {
  const out: FilePrompt[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let doc: unknown;
    try {
      doc = JSON.parse(line);
    } catch {
      throw new Error(`${file}:${i + 1}: not JSON`);
    }
    const messages = isRecord(doc) ? toMessages(doc) : null;
    if (!isRecord(doc) || !messages) throw new Error(`${file}:${i + 1}: needs "prompt", "messages" or "conversations"`);
    const mt = doc.max_tokens ?? doc.output_tokens;
    out.push({ messages, maxTokens: typeof mt === 'number' && mt > 0 ? Math.round(mt) : undefined });
  });
  if (out.length === 0) throw new Error(`${file}: no prompts`);
  return out;
}
