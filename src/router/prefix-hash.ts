// Chained block hashes without a tokenizer. HTTP mode hashes 64-character chunks of the prompt text
// (16 tokens × ~4 characters), each chained to the previous one and seeded by the model name — the
// same approximation llm-d's prefix scorer uses, so a gateway can compute matching hashes. Token-id
// prompts hash 16 ids per block. Hashes are 52-bit integers held in doubles (exact, Map-friendly).

export const CHARS_PER_TOKEN = 4;

/** Approximate token count of a text (no tokenizer): one token per 4 characters, at least 1. */
export function approxTokens(text: string): number {
  return text.length === 0 ? 1 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Seed of a hash chain, from the model name. */
export function chainSeed(model: string): number {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < model.length; i++) {
    const c = model.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  return combine(a, b);
}

/** Next link of a chain: previous hash mixed with one 32-bit key. */
export function chainNext(prev: number, key: number): number {
  const lo = prev % 4294967296 | 0;
  const hi = Math.floor(prev / 4294967296) | 0;
  let a = Math.imul(lo ^ key, 0x85ebca6b) ^ hi;
  a = fmix(a + 0x1b873593);
  let b = Math.imul(hi ^ Math.imul(key, 0xcc9e2d51), 0x27d4eb2f) ^ lo;
  b = fmix(b ^ a);
  return combine(a, b);
}

/** Hashes of the full 64-character blocks of a text. */
export function textBlockHashes(text: string, seed: number, blockChars = 64): number[] {
  const out: number[] = [];
  const full = Math.floor(text.length / blockChars);
  if (full === 0) return out;
  // Read the text as bytes, four characters per 32-bit word: a quarter of the steps of a
  // per-character loop on the router's hot path. latin1 keeps each character's low byte; two prompts
  // that differ only in high bytes of non-Latin characters may share a block hash (a routing hint, never
  // a correctness issue). Copied into a fresh, aligned buffer so it can be viewed as 32-bit words.
  const bytes = new Uint8Array(full * blockChars);
  Buffer.from(bytes.buffer).write(text.length === bytes.length ? text : text.slice(0, bytes.length), 'latin1');
  const words = new Uint32Array(bytes.buffer);
  const perBlock = blockChars >>> 2;
  let prev = seed;
  let w = 0;
  for (let blk = 0; blk < full; blk++) {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (const end = w + perBlock; w < end; w++) {
      const c = words[w] as number;
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    prev = chainNext(prev, fmix(a ^ Math.imul(b, 0x9e3779b1)));
    out.push(prev);
  }
  return out;
}

/** Hashes of the full blocks of a token-id prompt. */
export function tokenBlockHashes(ids: readonly number[], seed: number, blockSize = 16): number[] {
  const out: number[] = [];
  const full = Math.floor(ids.length / blockSize);
  let prev = seed;
  for (let blk = 0; blk < full; blk++) {
    let a = 0x811c9dc5;
    for (let i = blk * blockSize; i < (blk + 1) * blockSize; i++) a = Math.imul(a ^ (ids[i]! | 0), 0x01000193);
    prev = chainNext(prev, fmix(a));
    out.push(prev);
  }
  return out;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** 32 + 20 bits → an exact integer below 2^52. */
function combine(a: number, b: number): number {
  return (a >>> 0) * 1048576 + (b >>> 12);
}
