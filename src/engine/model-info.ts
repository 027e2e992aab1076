// What a GGUF header says about a model, in the terms `relais models` and the memory check use.
import { basename } from 'node:path';
import { fileTypeNames, ggmlTypes } from './gguf-format.js';
import type { GgufFile, GgufValue } from './gguf-reader.js';

export interface ModelInfo {
  /** File name without .gguf: the model id of deployments. */
  readonly name: string;
  readonly path: string;
  readonly fileSize: number;
  readonly ggufVersion: number;
  readonly architecture: string;
  readonly displayName: string | undefined;
  readonly parameters: number;
  /** general.file_type name (Q4_K_M, F16, ...) or the dominant tensor type when absent. */
  readonly quantization: string;
  /** Tensor count per ggml type, e.g. { F16: 14, F32: 5 }. */
  readonly tensorTypes: Readonly<Record<string, number>>;
  readonly weightsBytes: number;
  readonly contextLength: number | undefined;
  readonly embeddingLength: number | undefined;
  readonly layers: number | undefined;
  readonly heads: number | undefined;
  readonly kvHeads: number | undefined;
  /** Per-head key/value sizes (differ from embedding/heads in some architectures). */
  readonly keyLength: number | undefined;
  readonly valueLength: number | undefined;
  readonly feedForwardLength: number | undefined;
  readonly vocabSize: number | undefined;
  readonly tokenizer: string | undefined;
  readonly chatTemplate: boolean;
  readonly chatTemplateSupportsTools: boolean;
  readonly fim: boolean;
}

function num(v: GgufValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  // Some architectures store per-layer head counts as arrays; the maximum bounds the KV cache.
  if (Array.isArray(v)) {
    const ns = v.filter((x): x is number => typeof x === 'number');
    return ns.length > 0 ? Math.max(...ns) : undefined;
  }
  return undefined;
}

function str(v: GgufValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function arrayLength(v: GgufValue | undefined): number | undefined {
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'object' && v !== null && 'kind' in v) return v.length;
  return undefined;
}

export function modelInfo(file: GgufFile): ModelInfo {
  const m = file.metadata;
  const arch = str(m.get('general.architecture')) ?? 'unknown';
  const a = (key: string): number | undefined => num(m.get(`${arch}.${key}`));
  const tensorTypes: Record<string, number> = {};
  let parameters = 0;
  let weightsBytes = 0;
  const bytesByType = new Map<string, number>();
  for (const t of file.tensors) {
    const name = ggmlTypes[t.type]?.name ?? `type${t.type}`;
    tensorTypes[name] = (tensorTypes[name] ?? 0) + 1;
    parameters += Number(t.elements);
    const bytes = Number(t.bytes ?? 0n);
    weightsBytes += bytes;
    bytesByType.set(name, (bytesByType.get(name) ?? 0) + bytes);
  }
  const fileType = num(m.get('general.file_type'));
  const dominant = [...bytesByType.entries()].sort((x, y) => y[1] - x[1])[0]?.[0];
  const embedding = a('embedding_length');
  const heads = a('attention.head_count');
  const headDim = embedding !== undefined && heads ? embedding / heads : undefined;
  const template = str(m.get('tokenizer.chat_template'));
  const fimPre = m.get('tokenizer.ggml.fim_pre_token_id') ?? m.get('tokenizer.ggml.prefix_token_id');
  const fimSuf = m.get('tokenizer.ggml.fim_suf_token_id') ?? m.get('tokenizer.ggml.suffix_token_id');
  const fimMid = m.get('tokenizer.ggml.fim_mid_token_id') ?? m.get('tokenizer.ggml.middle_token_id');
  return {
    name: basename(file.path).replace(/\.gguf$/i, ''),
    path: file.path,
    fileSize: file.fileSize,
    ggufVersion: file.version,
    architecture: arch,
    displayName: str(m.get('general.name')),
    parameters,
    quantization: (fileType !== undefined ? fileTypeNames[fileType] : undefined) ?? dominant ?? 'unknown',
    tensorTypes,
    weightsBytes,
    contextLength: a('context_length'),
    embeddingLength: embedding,
    layers: a('block_count'),
    heads,
    kvHeads: a('attention.head_count_kv') ?? heads,
    keyLength: a('attention.key_length') ?? headDim,
    valueLength: a('attention.value_length') ?? headDim,
    feedForwardLength: a('feed_forward_length'),
    vocabSize: a('vocab_size') ?? arrayLength(m.get('tokenizer.ggml.tokens')),
    tokenizer: str(m.get('tokenizer.ggml.model')),
    chatTemplate: template !== undefined,
    // Templates that render a tool list mention `tools`; ours (ChatML) does not.
    chatTemplateSupportsTools: template !== undefined && /\btools\b/.test(template),
    fim: fimPre !== undefined && fimSuf !== undefined && fimMid !== undefined,
  };
}

/** "1.2B", "108K": parameter counts as model cards write them. */
export function formatParameters(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${n} B`;
}
