// Prompt size and block hashes from an OpenAI request, without a tokenizer: chat messages are rendered
// as a simple template and counted at ~4 characters per token; token-id prompts are counted exactly.
import { approxTokens, textBlockHashes, tokenBlockHashes } from '../../router/prefix-hash.js';
import { fillerText } from './filler.js';

export interface SimPrompt {
  readonly tokens: number;
  /** Block hashes of the prompt followed by `output` filler tokens (output blocks only for text prompts). */
  hashes(output: number): number[];
}

/** A prompt, or the reason the request is malformed. */
export type PromptResult = SimPrompt | { readonly error: string };

function messageText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) return undefined;
  let s = '';
  for (const part of content as unknown[]) {
    if (part && typeof part === 'object' && 'text' in part && typeof part.text === 'string') s += part.text;
  }
  return s;
}

/** The chat template: tool definitions first (as engines render them), then each turn with its tool calls. */
export function chatPrompt(messages: unknown, seed: number, tools?: unknown): PromptResult {
  if (!Array.isArray(messages) || messages.length === 0) return { error: "'messages' must be a non-empty array" };
  let text = Array.isArray(tools) && tools.length > 0 ? `<|tools|>\n${JSON.stringify(tools)}\n` : '';
  for (const m of messages as unknown[]) {
    if (!m || typeof m !== 'object' || !('role' in m) || typeof m.role !== 'string') return { error: "each message needs a string 'role'" };
    const body = messageText('content' in m ? m.content : undefined);
    if (body === undefined) return { error: "message 'content' must be a string or an array of parts" };
    const calls = 'tool_calls' in m && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 ? `<|calls|>${JSON.stringify(m.tool_calls)}\n` : '';
    text += `<|${m.role}|>\n${body}\n${calls}`;
  }
  text += '<|assistant|>\n';
  return textPrompt(text, seed);
}

export function completionPrompt(prompt: unknown, seed: number): PromptResult {
  if (typeof prompt === 'string') return textPrompt(prompt, seed);
  if (Array.isArray(prompt) && prompt.length > 0) {
    if (prompt.every((x): x is number => typeof x === 'number' && Number.isInteger(x))) {
      return { tokens: prompt.length, hashes: () => tokenBlockHashes(prompt, seed) };
    }
    // A batch of prompts is served as its first element (the simulator answers one choice).
    if (prompt.length === 1) return completionPrompt(prompt[0], seed);
    return { error: "'prompt' must be a string, an array of token ids, or a one-element array (batches are not simulated)" };
  }
  return { error: "'prompt' must be a non-empty string or array of token ids" };
}

/**
 * A client continuing the conversation re-sends the output right after the prompt (the chat template
 * ends the prompt with the assistant header), so prompt + filler output hashes like the next turn's
 * prompt: output blocks are registered too, and multi-turn chats hit their whole history.
 */
function textPrompt(text: string, seed: number): SimPrompt {
  return { tokens: approxTokens(text), hashes: (output) => textBlockHashes(text + fillerText(output), seed) };
}
