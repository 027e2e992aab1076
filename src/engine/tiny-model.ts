// Generates a tiny llama-architecture GGUF with random (seeded) weights and a byte-level BPE
// vocabulary: a real model file that the real llama.cpp loads, for tests and `relais serve --demo`.
// Its output is meaningless; the weights are shaped only so that it babbles printable ASCII.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRng, type Rng } from '../random/seeded-rng.js';
import { GGML_TYPE_F16, GGML_TYPE_F32 } from './gguf-format.js';
import { writeGguf, type GgufWriteTensor, type GgufWriteValue } from './gguf-writer.js';

export const DEMO_MODEL_NAME = 'relais-demo';
export const DEMO_MODEL_SEED = 42;

export interface TinyModelOptions {
  seed?: number;
  name?: string;
  embedding?: number;
  layers?: number;
  heads?: number;
  kvHeads?: number;
  feedForward?: number;
  contextLength?: number;
  /** Logit bias of the end-of-turn token: lower = longer replies (tests use -8 for endless ones). */
  endBias?: number;
  /** Jinja chat template to store (default: ChatML with tools, TINY_CHAT_TEMPLATE). */
  chatTemplate?: string;
  /** Whole-word tokens added to the vocabulary (user-defined type) with their output logit bias. */
  extraTokens?: ReadonlyArray<{ readonly text: string; readonly bias: number }>;
}

/** Plain ChatML: no tools (tests of a template that cannot render them use it). */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * The demo's template: ChatML that also renders tools the Hermes/Qwen way (definitions in a system
 * block, calls in <tool_call>, results in <tool_response>), so a client's first tool request gets a 200.
 * Without tools it renders exactly as plain ChatML.
 */
export const TINY_CHAT_TEMPLATE =
  "{%- if tools %}{{- '<|im_start|>system\\n# Tools\\n<tools>' }}{%- for tool in tools %}{{- '\\n' }}{{- tool | tojson }}{%- endfor %}" +
  "{{- '\\n</tools>\\nTo call a function answer <tool_call>{\"name\": <function-name>, \"arguments\": <args-json-object>}</tool_call><|im_end|>\\n' }}{%- endif %}" +
  "{%- for message in messages %}{%- if message.role == 'tool' %}{{- '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' }}" +
  "{%- elif message.role == 'assistant' and message.tool_calls %}{{- '<|im_start|>assistant\\n' }}{%- for tc in message.tool_calls %}" +
  "{{- '<tool_call>{\"name\": \"' + tc.function.name + '\", \"arguments\": ' + (tc.function.arguments | tojson) + '}</tool_call>' }}{%- endfor %}{{- '<|im_end|>\\n' }}" +
  "{%- else %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endif %}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|fim_prefix|>', '<|fim_suffix|>', '<|fim_middle|>', '<|fim_pad|>'] as const;
const TOKEN_NORMAL = 1;
const TOKEN_CONTROL = 3;
const TOKEN_USER_DEFINED = 4;

/** GPT-2's byte → printable unicode mapping, the alphabet of byte-level BPE vocabularies. */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const out: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    out[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return out;
}

/** Box–Muller on u = next() (not 1 - next()): the same seed must keep giving the same model. */
function normalSampler(next: Rng): () => number {
  return () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
/** float32 → IEEE half bits, round to nearest. */
export function toHalf(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    if (mant & 0x1000) mant += 0x2000;
    return sign | (mant >> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  if (mant & 0x1000) {
    mant += 0x2000;
    if (mant & 0x800000) {
      mant = 0;
      exp += 1;
      if (exp >= 31) return sign | 0x7c00;
    }
  }
  return sign | (exp << 10) | (mant >> 13);
}

function f16Tensor(name: string, dims: number[], values: Float32Array): GgufWriteTensor {
  const data = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = toHalf(values[i] ?? 0);
  return { name, dims, type: GGML_TYPE_F16, data: new Uint8Array(data.buffer) };
}
function f32Tensor(name: string, dims: number[], values: Float32Array): GgufWriteTensor {
  return { name, dims, type: GGML_TYPE_F32, data: new Uint8Array(values.buffer) };
}

/** English letter frequencies (%), so that the babble has the texture of words. */
const LETTER_FREQ: Readonly<Record<string, number>> = {
  e: 12.7, t: 9.1, a: 8.2, o: 7.5, i: 7.0, n: 6.7, s: 6.3, h: 6.1, r: 6.0, d: 4.3, l: 4.0, c: 2.8, u: 2.8,
  m: 2.4, w: 2.4, f: 2.2, g: 2.0, y: 2.0, p: 1.9, b: 1.5, v: 1.0, k: 0.8, j: 0.15, x: 0.15, q: 0.1, z: 0.07,
};

/** Logit bias of the output layer per byte: log of a rough English character frequency. */
function byteBias(b: number): number {
  const ch = String.fromCharCode(b);
  let freq: number;
  if (b === 0x20) freq = 18;
  else if (LETTER_FREQ[ch] !== undefined) freq = LETTER_FREQ[ch];
  else if (b >= 0x41 && b <= 0x5a) freq = 0.3;
  else if (b === 0x2c || b === 0x2e) freq = 1;
  else if (b === 0x0a || (b >= 0x30 && b <= 0x39)) freq = 0.2;
  else if (b > 0x20 && b < 0x7f) freq = 0.05;
  else return -8;
  return Math.log(freq) + 4;
}

/** <|im_end|> ends a reply after ~150 tokens on average at temperature 1. */
const END_BIAS = 3.8;

/** Builds the GGUF bytes of a tiny random llama model. Deterministic for the options given. */
export function generateTinyModel(options: TinyModelOptions = {}): Buffer {
  const seed = options.seed ?? DEMO_MODEL_SEED;
  const nEmbd = options.embedding ?? 64;
  const nLayer = options.layers ?? 2;
  const nHead = options.heads ?? 4;
  const nHeadKv = options.kvHeads ?? 2;
  const nFf = options.feedForward ?? 128;
  const nCtx = options.contextLength ?? 4096;
  const headDim = nEmbd / nHead;
  const nEmbdKv = headDim * nHeadKv;
  const normal = normalSampler(seededRng(seed));

  const bytes = byteToUnicode();
  const extra = options.extraTokens ?? [];
  const tokens = [...bytes, ...SPECIAL_TOKENS, ...extra.map((t) => t.text)];
  const nSpecialEnd = 256 + SPECIAL_TOKENS.length;
  const tokenTypes = tokens.map((_, i) => (i < 256 ? TOKEN_NORMAL : i < nSpecialEnd ? TOKEN_CONTROL : TOKEN_USER_DEFINED));
  const nVocab = tokens.length;
  const id = (t: (typeof SPECIAL_TOKENS)[number]): number => 256 + SPECIAL_TOKENS.indexOf(t);

  const random = (n: number, std: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = normal() * std;
    return a;
  };
  const ones = (n: number): Float32Array => new Float32Array(n).fill(1);

  // Dimension 0 of the residual stream is a constant that no layer writes to (row 0 of every output
  // projection is zero), so row 0 of output.weight acts as a per-token bias on the logits.
  const K = 8;
  const embd = random(nVocab * nEmbd, 1);
  for (let t = 0; t < nVocab; t++) embd[t * nEmbd] = K;
  const h0 = K / Math.sqrt((K * K + nEmbd - 1) / nEmbd);
  const output = random(nVocab * nEmbd, 0.1);
  for (let t = 0; t < nVocab; t++) {
    const bias =
      t < 256 ? byteBias(t) : t >= nSpecialEnd ? (extra[t - nSpecialEnd]?.bias ?? -8) : t === id('<|im_end|>') ? (options.endBias ?? END_BIAS) : -8;
    output[t * nEmbd] = bias / h0;
  }

  const tensors: GgufWriteTensor[] = [
    f16Tensor('token_embd.weight', [nEmbd, nVocab], embd),
    f32Tensor('output_norm.weight', [nEmbd], ones(nEmbd)),
    f16Tensor('output.weight', [nEmbd, nVocab], output),
  ];
  const std = 1 / Math.sqrt(nEmbd);
  for (let l = 0; l < nLayer; l++) {
    const wo = random(nEmbd * nEmbd, std);
    const down = random(nFf * nEmbd, 1 / Math.sqrt(nFf));
    wo.fill(0, 0, nEmbd);
    down.fill(0, 0, nFf);
    tensors.push(
      f32Tensor(`blk.${l}.attn_norm.weight`, [nEmbd], ones(nEmbd)),
      f16Tensor(`blk.${l}.attn_q.weight`, [nEmbd, nEmbd], random(nEmbd * nEmbd, std)),
      f16Tensor(`blk.${l}.attn_k.weight`, [nEmbd, nEmbdKv], random(nEmbd * nEmbdKv, std)),
      f16Tensor(`blk.${l}.attn_v.weight`, [nEmbd, nEmbdKv], random(nEmbd * nEmbdKv, std)),
      f16Tensor(`blk.${l}.attn_output.weight`, [nEmbd, nEmbd], wo),
      f32Tensor(`blk.${l}.ffn_norm.weight`, [nEmbd], ones(nEmbd)),
      f16Tensor(`blk.${l}.ffn_gate.weight`, [nEmbd, nFf], random(nEmbd * nFf, std)),
      f16Tensor(`blk.${l}.ffn_up.weight`, [nEmbd, nFf], random(nEmbd * nFf, std)),
      f16Tensor(`blk.${l}.ffn_down.weight`, [nFf, nEmbd], down),
    );
  }

  const metadata: Array<readonly [string, GgufWriteValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: options.name ?? DEMO_MODEL_NAME }],
    ['general.description', { type: 'string', value: `Random weights (seed ${seed}) generated by Relais for tests and demos. Its output is meaningless.` }],
    ['general.file_type', { type: 'u32', value: 1 }],
    ['general.alignment', { type: 'u32', value: 32 }],
    ['llama.context_length', { type: 'u32', value: nCtx }],
    ['llama.embedding_length', { type: 'u32', value: nEmbd }],
    ['llama.block_count', { type: 'u32', value: nLayer }],
    ['llama.feed_forward_length', { type: 'u32', value: nFf }],
    ['llama.attention.head_count', { type: 'u32', value: nHead }],
    ['llama.attention.head_count_kv', { type: 'u32', value: nHeadKv }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['llama.rope.freq_base', { type: 'f32', value: 10000 }],
    ['llama.rope.dimension_count', { type: 'u32', value: headDim }],
    ['llama.vocab_size', { type: 'u32', value: nVocab }],
    ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: tokenTypes }],
    ['tokenizer.ggml.merges', { type: 'string[]', value: [] }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: id('<|endoftext|>') }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: id('<|im_end|>') }],
    ['tokenizer.ggml.eot_token_id', { type: 'u32', value: id('<|im_end|>') }],
    ['tokenizer.ggml.padding_token_id', { type: 'u32', value: id('<|endoftext|>') }],
    ['tokenizer.ggml.fim_pre_token_id', { type: 'u32', value: id('<|fim_prefix|>') }],
    ['tokenizer.ggml.fim_suf_token_id', { type: 'u32', value: id('<|fim_suffix|>') }],
    ['tokenizer.ggml.fim_mid_token_id', { type: 'u32', value: id('<|fim_middle|>') }],
    ['tokenizer.ggml.fim_pad_token_id', { type: 'u32', value: id('<|fim_pad|>') }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.chat_template', { type: 'string', value: options.chatTemplate ?? TINY_CHAT_TEMPLATE }],
  ];
  return writeGguf(metadata, tensors);
}

/**
 * Writes `<dir>/relais-demo.gguf` unless it holds this version's model already (a file from an older
 * Relais, e.g. with a template that could not render tools, is replaced); returns its path.
 */
export async function ensureDemoModel(dir: string): Promise<string> {
  const path = join(dir, `${DEMO_MODEL_NAME}.gguf`);
  const wanted = generateTinyModel();
  try {
    if (wanted.equals(await readFile(path))) return path;
  } catch {
    // missing: write it below
  }
  await mkdir(dir, { recursive: true });
  // Write then rename so a concurrent reader never sees half a file (a loaded old one keeps its mapping).
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, wanted);
  await rename(tmp, path);
  return path;
}
