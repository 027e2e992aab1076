// Deterministic embeddings for the simulator: hashed bag of words, unit length. Texts that share words
// point the same way, so rerank and score (cosine similarity) order documents plausibly.
import { approxTokens } from '../../router/prefix-hash.js';

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function embed(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  const words = text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  for (const w of words.length > 0 ? words : [text]) {
    const h = fnv1a(w);
    v[h % dims] = (v[h % dims] as number) + (h & 0x80000000 ? -1 : 1);
    // A second slot per word makes collisions between different words rarer.
    const h2 = fnv1a(`${w}#`);
    v[h2 % dims] = (v[h2 % dims] as number) + (h2 & 0x80000000 ? -0.5 : 0.5);
  }
  let norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (norm === 0) {
    v[fnv1a(text) % dims] = 1;
    norm = 1;
  }
  return v.map((x) => x / norm);
}

/** Cosine similarity of two texts mapped to [0, 1] (a relevance score). */
export function relevance(a: string, b: string): number {
  const dims = 256;
  const x = embed(a, dims);
  const y = embed(b, dims);
  let dot = 0;
  for (let i = 0; i < dims; i++) dot += (x[i] as number) * (y[i] as number);
  return Math.round(((dot + 1) / 2) * 1e6) / 1e6;
}

export function textTokens(texts: readonly string[]): number {
  return texts.reduce((n, t) => n + approxTokens(t), 0);
}
