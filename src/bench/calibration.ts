// Maps a target prompt size in server tokens to a word count. Two probe requests of different word
// counts give tokens ≈ slope × words + intercept for this server's tokenizer and chat template.
import type { PromptCalibration } from './run-types.js';
import type { OutgoingRequest, RequestOutcome } from './send-request.js';
import { randomText } from './prompt-words.js';
import { seededRng } from '../random/seeded-rng.js';

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
export async function calibrate(send: (req: OutgoingRequest) => Promise<RequestOutcome>, endpoint: 'chat' | 'completions', largestTarget = 512): Promise<PromptCalibration | null> {
  const rng = seededRng(7);
  const probe = async (words: number): Promise<{ words: number; promptTokens: number } | null> => {
    const text = randomText(rng, words);
    const req: OutgoingRequest = endpoint === 'chat' ? { messages: [{ role: 'user', content: text }], maxTokens: 1 } : { prompt: text, maxTokens: 1 };
    const out = await send(req);
    return out.ok && out.promptTokens !== undefined ? { words, promptTokens: out.promptTokens } : null;
  };
  const a = await probe(16);
  if (!a) return null;
  // The long probe spans the largest target, so sizes are interpolated rather than extrapolated; a small
  // context (or a tokenizer with many tokens per word) may refuse it: then try shorter ones.
  let b: { words: number; promptTokens: number } | null = null;
  for (const words of [...new Set([Math.max(512, largestTarget), 512, 128, 48])]) {
    b = await probe(words);
    if (b) break;
  }
  if (!b) return null;
  const probes = [a, b];
  const slope = (b.promptTokens - a.promptTokens) / (b.words - a.words);
  if (!(slope > 0.25 && slope < 8)) return null;
  return { slope, intercept: a.promptTokens - slope * a.words, probes };
}
