// Reads a GGUF header (metadata and tensor infos) with bounded, chunked reads: a 40 GB model
// is inspected without reading its weights, and a damaged file gives a precise GgufError.
import { open, type FileHandle } from 'node:fs/promises';
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType, tensorBytes } from './gguf-format.js';

/** Arrays longer than this (token lists, merges) are summarized instead of kept in memory. */
const MAX_KEPT_ARRAY = 4096;
const CHUNK = 1 << 20;
/** Guards against absurd lengths in a corrupt header before we try to allocate them. */
const MAX_STRING = 64 << 20;

export interface GgufArraySummary {
  readonly kind: 'array-summary';
  readonly elementType: number;
  readonly length: number;
}
export type GgufValue = number | bigint | boolean | string | GgufValue[] | GgufArraySummary;

export interface GgufTensorInfo {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: number;
  /** Offset from the start of the data section. */
  readonly offset: bigint;
  readonly elements: bigint;
  /** Undefined when the ggml type is unknown to us. */
  readonly bytes: bigint | undefined;
}

export interface GgufFile {
  readonly path: string;
  readonly version: number;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute offset of the tensor data section. */
  readonly dataOffset: number;
  readonly fileSize: number;
}

export class GgufError extends Error {
  constructor(
    readonly path: string,
    /** What is wrong, without the path (for clients, which should not see server paths). */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'GgufError';
  }
}

class ChunkedReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly path: string,
  ) {}

  private async ensure(n: number, what: string): Promise<void> {
    const have = this.bufStart + this.buf.length - this.pos;
    if (have >= n) return;
    if (this.pos + n > this.size) {
      throw new GgufError(this.path, `truncated file: ${what} at byte ${this.pos} needs ${n} bytes but the file ends at ${this.size}`);
    }
    const want = Math.max(n, CHUNK);
    const fresh = Buffer.alloc(Math.min(want, this.size - this.pos));
    const { bytesRead } = await this.fh.read(fresh, 0, fresh.length, this.pos);
    if (bytesRead < n) throw new GgufError(this.path, `short read at byte ${this.pos}`);
    this.buf = fresh.subarray(0, bytesRead);
    this.bufStart = this.pos;
  }

  async bytes(n: number, what: string): Promise<Buffer> {
    await this.ensure(n, what);
    const off = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(off, off + n);
  }
  async u32(what: string): Promise<number> {
    return (await this.bytes(4, what)).readUInt32LE(0);
  }
  async u64(what: string): Promise<bigint> {
    return (await this.bytes(8, what)).readBigUInt64LE(0);
  }
  async len(what: string, max: number): Promise<number> {
    const v = await this.u64(what);
    if (v > BigInt(max)) throw new GgufError(this.path, `implausible ${what} ${v} at byte ${this.pos - 8} (corrupt header?)`);
    return Number(v);
  }
  async str(what: string): Promise<string> {
    const n = await this.len(`${what} length`, MAX_STRING);
    return (await this.bytes(n, what)).toString('utf8');
  }
}

function bigToValue(v: bigint): number | bigint {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v;
}

async function readScalar(r: ChunkedReader, type: number, key: string, path: string): Promise<GgufValue> {
  switch (type) {
    case GgufValueType.UINT8: return (await r.bytes(1, key)).readUInt8(0);
    case GgufValueType.INT8: return (await r.bytes(1, key)).readInt8(0);
    case GgufValueType.UINT16: return (await r.bytes(2, key)).readUInt16LE(0);
    case GgufValueType.INT16: return (await r.bytes(2, key)).readInt16LE(0);
    case GgufValueType.UINT32: return (await r.bytes(4, key)).readUInt32LE(0);
    case GgufValueType.INT32: return (await r.bytes(4, key)).readInt32LE(0);
    case GgufValueType.FLOAT32: return (await r.bytes(4, key)).readFloatLE(0);
    case GgufValueType.BOOL: return (await r.bytes(1, key)).readUInt8(0) !== 0;
    case GgufValueType.STRING: return r.str(key);
    case GgufValueType.UINT64: return bigToValue((await r.bytes(8, key)).readBigUInt64LE(0));
    case GgufValueType.INT64: return bigToValue((await r.bytes(8, key)).readBigInt64LE(0));
    case GgufValueType.FLOAT64: return (await r.bytes(8, key)).readDoubleLE(0);
    default: throw new GgufError(path, `metadata key '${key}' has unknown value type ${type}`);
  }
}

async function readValue(r: ChunkedReader, type: number, key: string, path: string): Promise<GgufValue> {
  if (type !== GgufValueType.ARRAY) return readScalar(r, type, key, path);
  const elementType = await r.u32(`${key} array type`);
  if (elementType === GgufValueType.ARRAY) throw new GgufError(path, `metadata key '${key}' is a nested array (unsupported)`);
  const length = await r.len(`${key} array length`, r.size);
  const keep = length <= MAX_KEPT_ARRAY;
  const out: GgufValue[] = [];
  for (let i = 0; i < length; i++) {
    const v = await readScalar(r, elementType, key, path);
    if (keep) out.push(v);
  }
  return keep ? out : { kind: 'array-summary', elementType, length };
}

/** Parses the header of a GGUF file; throws GgufError with the reason when it is not a valid one. */
export async function readGguf(path: string): Promise<GgufFile> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new GgufError(path, `cannot open: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const size = (await fh.stat()).size;
    const r = new ChunkedReader(fh, size, path);
    if (size < 24) throw new GgufError(path, `not a GGUF file: only ${size} bytes`);
    const magic = await r.u32('magic');
    if (magic !== GGUF_MAGIC) {
      const seen = Buffer.alloc(4);
      seen.writeUInt32LE(magic);
      throw new GgufError(path, `not a GGUF file: wrong magic ${JSON.stringify(seen.toString('latin1'))} (expected "GGUF")`);
    }
    const version = await r.u32('version');
    if (version < 2 || version > 3) throw new GgufError(path, `unsupported GGUF version ${version} (supported: 2, 3)`);
    const tensorCount = await r.len('tensor count', 1 << 24);
    const kvCount = await r.len('metadata count', 1 << 24);
    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < kvCount; i++) {
      const key = await r.str('metadata key');
      const type = await r.u32(`type of '${key}'`);
      metadata.set(key, await readValue(r, type, key, path));
    }
    const tensors: GgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = await r.str('tensor name');
      const nDims = await r.u32(`dims of ${name}`);
      if (nDims < 1 || nDims > 4) throw new GgufError(path, `tensor ${name} has ${nDims} dimensions (corrupt header?)`);
      const dims: number[] = [];
      let elements = 1n;
      for (let d = 0; d < nDims; d++) {
        const n = await r.u64(`dim ${d} of ${name}`);
        dims.push(Number(n));
        elements *= n;
      }
      const type = await r.u32(`type of ${name}`);
      const offset = await r.u64(`offset of ${name}`);
      tensors.push({ name, dims, type, offset, elements, bytes: tensorBytes(type, elements) });
    }
    const alignValue = metadata.get('general.alignment');
    const alignment = typeof alignValue === 'number' && alignValue > 0 ? alignValue : GGUF_DEFAULT_ALIGNMENT;
    const dataOffset = Math.ceil(r.pos / alignment) * alignment;
    // The weights must all be inside the file: catches downloads cut short.
    let end = BigInt(dataOffset);
    for (const t of tensors) {
      if (t.bytes === undefined) continue;
      const tEnd = BigInt(dataOffset) + t.offset + t.bytes;
      if (tEnd > end) end = tEnd;
    }
    if (end > BigInt(size)) {
      throw new GgufError(path, `truncated file: tensor data needs ${end} bytes but the file has ${size} (incomplete download?)`);
    }
    return { path, version, metadata, tensors, dataOffset, fileSize: size };
  } finally {
    await fh.close();
  }
}
