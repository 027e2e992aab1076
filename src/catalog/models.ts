// Model architecture catalog: figures from each model's config.json as quoted in ../shared/reference.
import type { Provenance } from './provenance.js';

export interface ModelArch extends Provenance {
  readonly id: string;
  readonly name: string;
  readonly layers: number;
  readonly hidden: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  /** FFN intermediate size (per expert for MoE). */
  readonly ffn: number;
  readonly vocab: number;
  readonly contextLength: number;
  /** Total parameters. */
  readonly params: number;
  /** Parameters used per token (MoE); equals params for dense models. */
  readonly activeParams: number;
  readonly experts?: number;
  readonly expertsPerToken?: number;
  /** Sliding-window attention: window size and how many layers use it (the others attend to the full context). */
  readonly slidingWindow?: number;
  readonly slidingLayers?: number;
  /** Input embedding and output head share one matrix. */
  readonly tiedEmbeddings: boolean;
}

const REF = 'config.json as quoted in public code (../shared/reference)';
const B = 1e9;

function dense(m: Omit<ModelArch, 'activeParams' | 'source' | 'tiedEmbeddings'> & Partial<ModelArch>): ModelArch {
  return { source: REF, tiedEmbeddings: false, activeParams: m.params, ...m };
}

export const MODELS: readonly ModelArch[] = [
  dense({ id: 'llama-3.1-8b', name: 'Llama 3.1 8B', layers: 32, hidden: 4096, heads: 32, kvHeads: 8, headDim: 128, ffn: 14336, vocab: 128256, contextLength: 131072, params: 8.03 * B }),
  dense({
    id: 'llama-3-8b', name: 'Llama 3 8B', layers: 32, hidden: 4096, heads: 32, kvHeads: 8, headDim: 128, ffn: 14336, vocab: 128256,
    contextLength: 8192, params: 8.03 * B, notes: 'same architecture as llama-3.1-8b with an 8k context (the llama.cpp speed reference model)',
  }),
  dense({ id: 'llama-3.1-70b', name: 'Llama 3.1 70B', layers: 80, hidden: 8192, heads: 64, kvHeads: 8, headDim: 128, ffn: 28672, vocab: 128256, contextLength: 131072, params: 70.6 * B }),
  dense({
    id: 'llama-3.3-70b', name: 'Llama 3.3 70B', layers: 80, hidden: 8192, heads: 64, kvHeads: 8, headDim: 128, ffn: 28672, vocab: 128256,
    contextLength: 131072, params: 70.6 * B, notes: 'same architecture as llama-3.1-70b',
  }),
  dense({ id: 'mistral-7b-v0.3', name: 'Mistral 7B v0.3', layers: 32, hidden: 4096, heads: 32, kvHeads: 8, headDim: 128, ffn: 14336, vocab: 32768, contextLength: 32768, params: 7.25 * B }),
  dense({
    id: 'mixtral-8x7b', name: 'Mixtral 8x7B', layers: 32, hidden: 4096, heads: 32, kvHeads: 8, headDim: 128, ffn: 14336, vocab: 32000,
    contextLength: 32768, params: 46.7 * B, activeParams: 12.9 * B, experts: 8, expertsPerToken: 2,
  }),
  dense({
    id: 'mixtral-8x22b', name: 'Mixtral 8x22B', layers: 56, hidden: 6144, heads: 48, kvHeads: 8, headDim: 128, ffn: 16384, vocab: 32768,
    contextLength: 65536, params: 141 * B, activeParams: 39 * B, experts: 8, expertsPerToken: 2,
  }),
  dense({ id: 'qwen2.5-coder-7b', name: 'Qwen2.5-Coder 7B', layers: 28, hidden: 3584, heads: 28, kvHeads: 4, headDim: 128, ffn: 18944, vocab: 152064, contextLength: 32768, params: 7.61 * B }),
  dense({ id: 'qwen2.5-coder-14b', name: 'Qwen2.5-Coder 14B', layers: 48, hidden: 5120, heads: 40, kvHeads: 8, headDim: 128, ffn: 13824, vocab: 152064, contextLength: 32768, params: 14.7 * B }),
  dense({ id: 'qwen2.5-coder-32b', name: 'Qwen2.5-Coder 32B', layers: 64, hidden: 5120, heads: 40, kvHeads: 8, headDim: 128, ffn: 27648, vocab: 152064, contextLength: 32768, params: 32.5 * B }),
  dense({
    id: 'qwen2.5-0.5b', name: 'Qwen2.5 0.5B', layers: 24, hidden: 896, heads: 14, kvHeads: 2, headDim: 64, ffn: 4864, vocab: 151936,
    contextLength: 32768, params: 0.49 * B, tiedEmbeddings: true,
  }),
  dense({
    id: 'codestral-22b', name: 'Codestral 22B', layers: 56, hidden: 6144, heads: 48, kvHeads: 8, headDim: 128, ffn: 16384, vocab: 32768,
    contextLength: 32768, params: 22.2 * B, unverified: ['ffn'], notes: 'ffn from Mistral-Small-2409 (same family)',
  }),
  dense({ id: 'phi-3-medium-4k', name: 'Phi-3 Medium 4k', layers: 40, hidden: 5120, heads: 40, kvHeads: 10, headDim: 128, ffn: 17920, vocab: 32064, contextLength: 4096, params: 14.0 * B }),
  dense({
    id: 'gemma-2-9b', name: 'Gemma 2 9B', layers: 42, hidden: 3584, heads: 16, kvHeads: 8, headDim: 256, ffn: 14336, vocab: 256000,
    contextLength: 8192, params: 9.24 * B, slidingWindow: 4096, slidingLayers: 21, tiedEmbeddings: true,
    notes: 'alternating sliding-window (4096) and global layers',
  }),
  dense({
    id: 'qwen3-32b', name: 'Qwen3 32B', layers: 64, hidden: 5120, heads: 64, kvHeads: 8, headDim: 128, ffn: 25600, vocab: 151936,
    contextLength: 40960, params: 32.8 * B, source: 'Qwen3-32B config.json (not in ../shared/reference)',
    unverified: ['layers', 'hidden', 'heads', 'kvHeads', 'headDim', 'ffn', 'vocab', 'contextLength', 'params'],
    notes: 'the llm-d routing reference model',
  }),
];
