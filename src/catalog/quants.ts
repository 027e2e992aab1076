// Quantization catalog: bits per weight actually stored (block scales included), from ../shared/reference.
import type { Provenance } from './provenance.js';
import type { EngineKind } from '../perfmodel/types.js';

/** Which tensor-core rate a prefill runs at with these weights. */
export type ComputeType = 'bf16' | 'fp8' | 'int8';

export interface Quant extends Provenance {
  readonly id: string;
  readonly name: string;
  readonly format: 'float' | 'gguf' | 'awq' | 'gptq' | 'fp8' | 'int8';
  /** Average stored bits per weight (whole-file average for GGUF types, which already counts embeddings). */
  readonly bitsPerWeight: number;
  /** Bits of the embedding and output head when a format leaves them unquantized (AWQ, GPTQ, FP8, INT8). */
  readonly embeddingBits?: number;
  readonly compute: ComputeType;
  readonly engines: readonly EngineKind[];
  /** Needs hardware FP8 (Ada, Hopper). */
  readonly needsFp8?: boolean;
  /**
   * Share of the compute rate that weight-only kernels keep once a batch is compute-bound (they dequantize in the
   * GEMM's inner loop); 1 when absent.
   */
  readonly computeShare?: number;
}

/** AutoAWQ issue #235 (2023-12, vLLM, one A100, Llama-2-13B): AWQ reached 1146 tok/s against 1724 for fp16 at 128
 * concurrent requests (0.66×) while it was faster below 64; taken as the share of compute int4 kernels keep. */
const INT4_COMPUTE_SHARE = 0.66;
const INT4_SOURCE = 'AutoAWQ issue #235 (AWQ 1146 vs fp16 1724 tok/s at 128 concurrent, A100, vLLM)';

const SERVERS: readonly EngineKind[] = ['vllm', 'sglang', 'tgi'];
const ALL: readonly EngineKind[] = ['vllm', 'sglang', 'tgi', 'llamacpp'];
const LLAMACPP: readonly EngineKind[] = ['llamacpp'];
const GGUF_AVG = 'whole-file average for Llama-3.1-8B, llama.cpp quantize README (../shared/reference)';
const GGUF_BLOCK = 'block type bits, gguf-parser-go ggml.go (../shared/reference)';

function gguf(id: string, bits: number, source = GGUF_AVG): Quant {
  return { id, name: id.toUpperCase(), format: 'gguf', bitsPerWeight: bits, compute: 'bf16', engines: LLAMACPP, source };
}

export const QUANTS: readonly Quant[] = [
  { id: 'fp32', name: 'FP32', format: 'float', bitsPerWeight: 32, compute: 'bf16', engines: ALL, source: 'definition' },
  { id: 'bf16', name: 'BF16', format: 'float', bitsPerWeight: 16, compute: 'bf16', engines: ALL, source: 'definition' },
  { id: 'fp16', name: 'FP16', format: 'float', bitsPerWeight: 16, compute: 'bf16', engines: ALL, source: 'definition' },
  {
    id: 'fp8', name: 'FP8 (W8A8)', format: 'fp8', bitsPerWeight: 8.06, embeddingBits: 16, compute: 'fp8', engines: SERVERS, needsFp8: true,
    source: '≈8 bits + per-channel scales (../shared/reference)',
  },
  {
    id: 'int8', name: 'INT8 (W8A8)', format: 'int8', bitsPerWeight: 8.06, embeddingBits: 16, compute: 'int8', engines: SERVERS,
    source: '≈8 bits + scales (../shared/reference)',
  },
  {
    id: 'awq-int4', name: 'AWQ int4 (g128)', format: 'awq', bitsPerWeight: 4.25, embeddingBits: 16, compute: 'bf16', engines: SERVERS,
    computeShare: INT4_COMPUTE_SHARE, source: `4 bits + group scales at group size 128 (../shared/reference); compute share ${INT4_SOURCE}`,
  },
  {
    id: 'gptq-int4', name: 'GPTQ int4 (g128)', format: 'gptq', bitsPerWeight: 4.25, embeddingBits: 16, compute: 'bf16', engines: SERVERS,
    computeShare: INT4_COMPUTE_SHARE, source: `4 bits + group scales at group size 128 (../shared/reference); compute share ${INT4_SOURCE}`,
  },
  gguf('f16', 16),
  gguf('q8_0', 8.5),
  gguf('q6_k', 6.56),
  gguf('q5_k_m', 5.7),
  gguf('q4_k_m', 4.89),
  gguf('q4_k_s', 4.67),
  gguf('iq4_xs', 4.46),
  gguf('q5_1', 6.0, GGUF_BLOCK),
  gguf('q5_0', 5.5, GGUF_BLOCK),
  gguf('q4_1', 5.0, GGUF_BLOCK),
  gguf('q4_0', 4.5, GGUF_BLOCK),
  gguf('mxfp4', 4.25, GGUF_BLOCK),
  gguf('q3_k_l', 4.3),
  gguf('q3_k_s', 3.64),
  gguf('q2_k', 3.16),
  gguf('iq2_xxs', 2.06, GGUF_BLOCK),
  gguf('iq1_s', 1.56, GGUF_BLOCK),
];
