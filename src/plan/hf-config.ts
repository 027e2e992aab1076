// A model from a Hugging Face config.json (`--model-config FILE`).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ModelArch } from '../catalog/models.js';
import { countParams } from './architecture-params.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function int(c: Obj, file: string, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = c[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new Error(`${file}: '${k}' must be a positive integer, got ${JSON.stringify(v)}`);
    return v;
  }
  return undefined;
}

function need(c: Obj, file: string, ...keys: string[]): number {
  const v = int(c, file, ...keys);
  if (v === undefined) throw new Error(`${file}: missing '${keys[0]}' (needed to size the model)`);
  return v;
}

/** Sliding-window layers: explicit layer_types, Gemma's alternation patterns, or every layer (Mistral v0.1). */
function slidingLayers(c: Obj, layers: number): number {
  if (Array.isArray(c.layer_types)) return c.layer_types.filter((t) => t === 'sliding_attention').length;
  const pattern = c.sliding_window_pattern;
  if (typeof pattern === 'number' && pattern > 1) return layers - Math.floor(layers / pattern);
  if (c.model_type === 'gemma2') return Math.floor(layers / 2);
  if (c.use_sliding_window === false) return 0;
  return c.model_type === 'mistral' ? layers : 0;
}

/** Converts a parsed config.json; multimodal configs are read through their text_config. */
export function modelFromHfConfig(raw: unknown, file = 'config.json'): ModelArch {
  if (!isObj(raw)) throw new Error(`${file}: not a JSON object`);
  const c: Obj = isObj(raw.text_config) ? { ...raw, ...raw.text_config } : raw;
  const layers = need(c, file, 'num_hidden_layers', 'n_layer', 'num_layers');
  const hidden = need(c, file, 'hidden_size', 'n_embd', 'd_model');
  const heads = need(c, file, 'num_attention_heads', 'n_head');
  const kvHeads = int(c, file, 'num_key_value_heads', 'multi_query_group_num') ?? heads;
  const headDim = int(c, file, 'head_dim') ?? Math.floor(hidden / heads);
  const experts = int(c, file, 'num_local_experts', 'num_experts', 'n_routed_experts');
  const expertsPerToken = experts ? int(c, file, 'num_experts_per_tok', 'num_experts_per_token', 'moe_topk') ?? 2 : undefined;
  const ffn = (experts ? int(c, file, 'moe_intermediate_size') : undefined) ?? need(c, file, 'intermediate_size', 'ffn_hidden_size', 'n_inner');
  const vocab = need(c, file, 'vocab_size');
  const contextLength = int(c, file, 'max_position_embeddings', 'n_positions', 'seq_length') ?? 4096;
  const tiedEmbeddings = c.tie_word_embeddings === true;
  const window = int(c, file, 'sliding_window');
  const sliding = window !== undefined && window < contextLength ? slidingLayers(c, layers) : 0;
  const { total, active } = countParams({ layers, hidden, heads, kvHeads, headDim, ffn, vocab, experts, expertsPerToken, tiedEmbeddings });
  const name = typeof c._name_or_path === 'string' && c._name_or_path !== '' ? c._name_or_path : basename(file);
  return {
    id: name.toLowerCase(), name, layers, hidden, heads, kvHeads, headDim, ffn, vocab, contextLength,
    params: total, activeParams: active, experts, expertsPerToken, tiedEmbeddings,
    slidingWindow: sliding > 0 ? window : undefined, slidingLayers: sliding > 0 ? sliding : undefined,
    source: `${file} (parameter count computed from the architecture)`,
  };
}

/** The weights format a config.json announces (quantization_config), as a catalog quantization id. */
export function quantFromHfConfig(raw: unknown): string | undefined {
  if (!isObj(raw)) return undefined;
  const q = raw.quantization_config;
  if (isObj(q) && typeof q.quant_method === 'string') {
    const method = q.quant_method.toLowerCase();
    if (method === 'awq') return 'awq-int4';
    if (method === 'gptq') return 'gptq-int4';
    if (method === 'fp8') return 'fp8';
    if (method === 'compressed-tensors') return 'int8';
  }
  const dtype = raw.torch_dtype ?? raw.dtype;
  if (dtype === 'float16') return 'fp16';
  if (dtype === 'float32') return 'fp32';
  return undefined;
}

export async function readHfConfig(file: string): Promise<{ model: ModelArch; quant?: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: cannot read config.json: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { model: modelFromHfConfig(raw, file), quant: quantFromHfConfig(raw) };
}
