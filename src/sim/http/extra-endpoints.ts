// The simulator's non-generating endpoints, as vLLM answers them: /v1/embeddings, /v1/rerank,
// /v1/score and /tokenize. Deterministic, answered at once (no engine time: they are prefill-only).
import { approxTokens } from '../../router/prefix-hash.js';
import { chatPrompt } from './prompt.js';
import { errorBody } from './sse.js';
import { embed, relevance, textTokens } from './vectors.js';

export interface ExtraReply {
  readonly status: number;
  readonly body: string;
}

const bad = (message: string): ExtraReply => ({ status: 400, body: errorBody(400, message) });
const ok = (value: unknown): ExtraReply => ({ status: 200, body: JSON.stringify(value) });

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) && v.length > 0 && v.every((s): s is string => typeof s === 'string') ? v : undefined;
}

let counter = 0;

export function embeddings(b: Record<string, unknown>, model: string): ExtraReply {
  const input = strings(b.input);
  if (!input) return bad("'input' must be a string or a non-empty array of strings");
  const dims = b.dimensions ?? 384;
  if (!(typeof dims === 'number' && Number.isInteger(dims) && dims >= 1 && dims <= 8192)) return bad("'dimensions' must be an integer from 1 to 8192");
  const base64 = b.encoding_format === 'base64';
  const tokens = textTokens(input);
  return ok({
    id: `embd-${counter++}`,
    object: 'list',
    created: Math.floor(Date.now() / 1000),
    model,
    data: input.map((text, index) => {
      const v = embed(text, dims);
      return { index, object: 'embedding', embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v };
    }),
    usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 },
  });
}

export function rerank(b: Record<string, unknown>, model: string): ExtraReply {
  if (typeof b.query !== 'string') return bad("'query' must be a string");
  const docs = Array.isArray(b.documents) ? b.documents.map((d) => (typeof d === 'string' ? d : d && typeof d === 'object' && 'text' in d && typeof d.text === 'string' ? d.text : undefined)) : [];
  if (docs.length === 0 || docs.some((d) => d === undefined)) return bad("'documents' must be a non-empty array of strings or {text} objects");
  const texts = docs as string[];
  const topN = typeof b.top_n === 'number' && Number.isInteger(b.top_n) && b.top_n > 0 ? b.top_n : texts.length;
  const query = b.query;
  const results = texts
    .map((text, index) => ({ index, document: { text }, relevance_score: relevance(query, text) }))
    .sort((x, y) => y.relevance_score - x.relevance_score || x.index - y.index)
    .slice(0, topN)
    .map((r) => (b.return_documents === false ? { index: r.index, relevance_score: r.relevance_score } : r));
  return ok({ id: `rerank-${counter++}`, model, usage: { total_tokens: textTokens([query, ...texts]) }, results });
}

export function score(b: Record<string, unknown>, model: string): ExtraReply {
  const a = strings(b.text_1);
  const c = strings(b.text_2);
  if (!a || !c) return bad("'text_1' and 'text_2' must be strings or non-empty arrays of strings");
  if (a.length !== 1 && a.length !== c.length) return bad("'text_1' must be one text or as many as 'text_2'");
  const tokens = textTokens([...a, ...c]);
  return ok({
    id: `score-${counter++}`,
    object: 'list',
    created: Math.floor(Date.now() / 1000),
    model,
    data: c.map((t, index) => ({ index, object: 'score', score: relevance(a.length === 1 ? (a[0] as string) : (a[index] as string), t) })),
    usage: { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 },
  });
}

/** vLLM's /tokenize: a chat prompt (rendered as the simulator renders it) or a plain one. */
export function tokenize(b: Record<string, unknown>, maxModelLen: number, seed: number): ExtraReply {
  let count: number;
  if (b.messages !== undefined) {
    const p = chatPrompt(b.messages, seed, b.tools);
    if ('error' in p) return bad(p.error);
    count = p.tokens;
  } else if (typeof b.prompt === 'string') {
    count = approxTokens(b.prompt);
  } else return bad("give 'prompt' (a string) or 'messages'");
  const tokens = Array.from({ length: count }, (_, i) => (i * 7919 + seed) % 32000);
  return ok({ count, max_model_len: maxModelLen, tokens });
}
