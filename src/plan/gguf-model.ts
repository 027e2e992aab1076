// A model and its real bits per weight from a GGUF header (`--gguf FILE`); the header is read by src/engine.
import type { ModelArch } from '../catalog/models.js';
import type { Quant } from '../catalog/quants.js';

/** The parts of a parsed GGUF header this conversion needs (src/engine/gguf-reader.ts provides them). */
export interface GgufHeader {
  readonly path: string;
  readonly metadata: ReadonlyMap<string, unknown>;
  readonly tensors: readonly { readonly name: string; readonly elements: bigint; readonly bytes: bigint | undefined }[];
}

function num(h: GgufHeader, key: string): number | undefined {
  const v = h.metadata.get(key);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

function need(h: GgufHeader, key: string): number {
  const v = num(h, key);
  if (v === undefined || v <= 0) throw new Error(`${h.path}: GGUF metadata lacks '${key}'`);
  return v;
}

function arrayLength(v: unknown): number | undefined {
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'object' && v !== null && 'length' in v && typeof v.length === 'number') return v.length;
  return undefined;
}

export function modelFromGguf(h: GgufHeader, fileTypeName?: string): { model: ModelArch; quant: Quant } {
  const arch = h.metadata.get('general.architecture');
  if (typeof arch !== 'string') throw new Error(`${h.path}: GGUF metadata lacks 'general.architecture'`);
  const k = (s: string): string => `${arch}.${s}`;
  const layers = need(h, k('block_count'));
  const hidden = need(h, k('embedding_length'));
  const heads = need(h, k('attention.head_count'));
  const kvHeads = num(h, k('attention.head_count_kv')) ?? heads;
  const headDim = num(h, k('attention.key_length')) ?? Math.floor(hidden / heads);
  const experts = num(h, k('expert_count'));
  const expertsPerToken = experts ? (num(h, k('expert_used_count')) ?? 2) : undefined;
  const ffn = (experts ? num(h, k('expert_feed_forward_length')) : undefined) ?? need(h, k('feed_forward_length'));
  const vocab = num(h, k('vocab_size')) ?? arrayLength(h.metadata.get('tokenizer.ggml.tokens'));
  if (vocab === undefined) throw new Error(`${h.path}: GGUF metadata gives no vocabulary size`);
  const window = num(h, k('attention.sliding_window'));
  let elements = 0n;
  let bytes = 0n;
  let expertElements = 0n;
  for (const t of h.tensors) {
    elements += t.elements;
    bytes += t.bytes ?? 0n;
    if (/_exps\./.test(t.name)) expertElements += t.elements;
  }
  if (elements === 0n) throw new Error(`${h.path}: GGUF file lists no tensors`);
  const params = Number(elements);
  const share = experts && expertsPerToken ? 1 - expertsPerToken / experts : 0;
  const activeParams = params - Number(expertElements) * share;
  const name = typeof h.metadata.get('general.name') === 'string' ? String(h.metadata.get('general.name')) : arch;
  const tied = !h.tensors.some((t) => t.name === 'output.weight');
  // Gemma-2 alternates sliding and global layers; others with a window apply it everywhere.
  const slidingLayers = window === undefined ? undefined : arch === 'gemma2' || arch === 'gemma3' ? Math.floor(layers / 2) : layers;
  const model: ModelArch = {
    id: name.toLowerCase().replace(/\s+/g, '-'), name, layers, hidden, heads, kvHeads, headDim, ffn, vocab,
    contextLength: num(h, k('context_length')) ?? 4096, params, activeParams, experts, expertsPerToken,
    tiedEmbeddings: tied, slidingWindow: window, slidingLayers, source: `GGUF header of ${h.path}`,
  };
  const typeName = (fileTypeName ?? 'gguf').toLowerCase();
  const quant: Quant = {
    id: typeName, name: typeName.toUpperCase(), format: 'gguf', bitsPerWeight: (Number(bytes) * 8) / params,
    compute: 'bf16', engines: ['llamacpp'], source: `tensor sizes in ${h.path}`,
  };
  return { model, quant };
}
