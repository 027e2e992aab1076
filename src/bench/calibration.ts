// Maps a target prompt size in server tokens to a word count. Two probe requests of different word
// counts give tokens ≈ slope × words + intercept for this server's tokenizer and chat template.
import type { PromptCalibration } from './run-types.js';
import type { OutgoingRequest, RequestOutcome } from './send-request.js';
import { randomText } from './prompt-words.js';
import { seededRng } from './random.js';

export interface PromptSizer {
  /** Words for a whole prompt of this many tokens (template included). */
  total(tokens: number): number;
  /** Words for a part of a prompt (prefix, a later turn): no template overhead. */
  part(tokens: number): number;
}

export const wordPerToken: PromptSizer = {
  total: (t) => Math.max(1, Math.round(t)),
  part: (t) => Math.max(1, Math.round(t)),
};

export function sizerFrom(c: PromptCalibration): PromptSizer {
  return {
    total: (t) => Math.max(1, Math.round((t - c.intercept) / c.slope)),
    part: (t) => Math.max(1, Math.round(t / c.slope)),
  };
}

/** Null when the server reports no usage or an implausible tokenizer (the caller warns). */
export async function calibrate(send: (req: OutgoingRequest) => Promise<RequestOutcome>, endpoint: 'chat' | 'completions'): Promise<PromptCalibration | null> {
  const rng = seededRng(7);
  const probes: { words: number; promptTokens: number }[] = [];
  for (const words of [16, 512]) {
    const text = randomText(rng, words);
    const req: OutgoingRequest = endpoint === 'chat' ? { messages: [{ role: 'user', content: text }], maxTokens: 1 } : { prompt: text, maxTokens: 1 };
    const out = await send(req);
    if (!out.ok || out.promptTokens === undefined) return null;
    probes.push({ words, promptTokens: out.promptTokens });
  }
  const [a, b] = probes;
  if (!a || !b) return null;
  const slope = (b.promptTokens - a.promptTokens) / (b.words - a.words);
  if (!(slope > 0.25 && slope < 8)) return null;
  return { slope, intercept: a.promptTokens - slope * a.words, probes };
}
