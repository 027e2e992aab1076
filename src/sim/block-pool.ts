// KV cache of N blocks with prefix caching, in the shape of vLLM's v1 block pool: a full block is
// registered under its chained hash; a block nobody references stays cached in a free queue (LRU) and
// is only forgotten when its slot is reused. Typed arrays and an intrusive list keep it allocation-free.

const NONE = -1;

export class BlockPool {
  readonly size: number;
  private readonly refs: Int32Array;
  private readonly hashes: Float64Array;
  /** Intrusive doubly linked free queue; index `size` is the sentinel. */
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly cached = new Map<number, number>();
  private free: number;

  constructor(size: number) {
    if (!(size > 0) || !Number.isInteger(size)) throw new Error(`KV cache needs a positive block count, got ${size}`);
    this.size = size;
    this.refs = new Int32Array(size);
    this.hashes = new Float64Array(size).fill(NaN);
    this.prev = new Int32Array(size + 1);
    this.next = new Int32Array(size + 1);
    const s = size;
    for (let i = 0; i < size; i++) {
      this.prev[i] = i === 0 ? s : i - 1;
      this.next[i] = i === size - 1 ? s : i + 1;
    }
    this.next[s] = 0;
    this.prev[s] = size - 1;
    this.free = size;
  }

  /** Free blocks, cached ones included (they are evictable). */
  get freeBlocks(): number {
    return this.free;
  }

  /** Fraction of blocks referenced by sequences (vllm:kv_cache_usage_perc). */
  usage(): number {
    return (this.size - this.free) / this.size;
  }

  get cachedBlocks(): number {
    return this.cached.size;
  }

  /** Block holding this hash, or -1. */
  lookup(hash: number): number {
    const b = this.cached.get(hash);
    return b === undefined ? NONE : b;
  }

  /** Is this cached block currently in the free queue (so touching it consumes a free slot)? */
  isFree(block: number): boolean {
    return this.refs[block] === 0;
  }

  /** Takes a reference on a cached block (a prefix hit). */
  touch(block: number): void {
    const r = this.refs[block]!;
    this.refs[block] = r + 1;
    if (r === 0) {
      this.unlink(block);
      this.free--;
    }
  }

  /** Allocates a fresh block from the head of the free queue, evicting the hash it held. */
  allocate(): number {
    const s = this.size;
    const b = this.next[s]!;
    if (b === s) throw new Error('KV cache exhausted');
    this.unlink(b);
    this.free--;
    const h = this.hashes[b]!;
    if (h === h) {
      // not NaN: the block was cached; forget it unless another block took over the hash
      if (this.cached.get(h) === b) this.cached.delete(h);
      this.hashes[b] = NaN;
    }
    this.refs[b] = 1;
    return b;
  }

  /** Registers a full block under its hash (first writer wins, as in vLLM). */
  register(block: number, hash: number): void {
    if (this.hashes[block] === this.hashes[block]) return;
    if (this.cached.has(hash)) return;
    this.hashes[block] = hash;
    this.cached.set(hash, block);
  }

  /** Drops one reference; at zero the block joins the tail of the free queue (evicted last). */
  release(block: number): void {
    const r = this.refs[block]! - 1;
    this.refs[block] = r;
    if (r === 0) {
      const s = this.size;
      const tail = this.prev[s]!;
      this.next[tail] = block;
      this.prev[block] = tail;
      this.next[block] = s;
      this.prev[s] = block;
      this.free++;
    }
  }

  private unlink(b: number): void {
    const p = this.prev[b]!;
    const n = this.next[b]!;
    this.next[p] = n;
    this.prev[n] = p;
  }
}
