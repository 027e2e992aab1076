// Serializes metadata and tensors to GGUF v3 (the generator's output format).
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType } from './gguf-format.js';

export type GgufWriteValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'i32[]'; value: readonly number[] }
  | { type: 'f32[]'; value: readonly number[] };

export interface GgufWriteTensor {
  readonly name: string;
  /** ggml order: dims[0] is the contiguous (row) dimension. */
  readonly dims: readonly number[];
  readonly type: number;
  readonly data: Uint8Array;
}

class ByteSink {
  private readonly parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  u64(v: number | bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(alignment: number): void {
    const rest = this.length % alignment;
    if (rest !== 0) this.push(Buffer.alloc(alignment - rest));
  }
  concat(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

function writeValue(out: ByteSink, v: GgufWriteValue): void {
  switch (v.type) {
    case 'u32': out.u32(GgufValueType.UINT32); out.u32(v.value); return;
    case 'i32': out.u32(GgufValueType.INT32); out.i32(v.value); return;
    case 'f32': out.u32(GgufValueType.FLOAT32); out.f32(v.value); return;
    case 'bool': out.u32(GgufValueType.BOOL); out.push(Buffer.from([v.value ? 1 : 0])); return;
    case 'string': out.u32(GgufValueType.STRING); out.str(v.value); return;
    case 'string[]':
      out.u32(GgufValueType.ARRAY); out.u32(GgufValueType.STRING); out.u64(v.value.length);
      for (const s of v.value) out.str(s);
      return;
    case 'i32[]':
      out.u32(GgufValueType.ARRAY); out.u32(GgufValueType.INT32); out.u64(v.value.length);
      for (const n of v.value) out.i32(n);
      return;
    case 'f32[]':
      out.u32(GgufValueType.ARRAY); out.u32(GgufValueType.FLOAT32); out.u64(v.value.length);
      for (const n of v.value) out.f32(n);
      return;
  }
}

/** Builds a complete GGUF file in memory (fine for the few-hundred-KB models we generate). */
export function writeGguf(metadata: ReadonlyArray<readonly [string, GgufWriteValue]>, tensors: readonly GgufWriteTensor[]): Buffer {
  const alignment = GGUF_DEFAULT_ALIGNMENT;
  const out = new ByteSink();
  out.u32(GGUF_MAGIC);
  out.u32(3);
  out.u64(tensors.length);
  out.u64(metadata.length);
  for (const [key, value] of metadata) {
    out.str(key);
    writeValue(out, value);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += Math.ceil(t.data.length / alignment) * alignment;
  }
  tensors.forEach((t, i) => {
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(t.type);
    out.u64(offsets[i] ?? 0);
  });
  out.pad(alignment);
  for (const t of tensors) {
    out.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.pad(alignment);
  }
  return out.concat();
}
