// Approximate prefix-cache index: which replica was sent which prompt blocks, bounded per replica.
// One map from block hash to a bitmask of replica slots makes a lookup one pass over the prompt's blocks,
// whatever the number of replicas (the decision must stay in microseconds at 32 replicas).
// Eviction is CLOCK (second chance), an LRU approximation: touching a block only sets its bit, so a
// request re-sending a long shared prefix costs a map write per block, not a reordering.

export class PrefixIndex {
  /** block hash → replica slot bitmask, 32 slots per word. */
  private readonly owners = new Map<number, number[]>();
  /** Per slot: its block hashes → referenced bit (1 = touched since the clock hand last passed). */
  private readonly lru: Map<number, 0 | 1>[] = [];
  /** Per slot: the same hashes in clock order, as a ring (a Map's own order degrades when its head is deleted). */
  private readonly rings: Ring[] = [];
  private readonly slots = new Map<string | number, number>();

  constructor(private readonly capacityPerReplica = 16_384) {}

  slot(key: string | number): number {
    let s = this.slots.get(key);
    if (s === undefined) {
      s = this.lru.length;
      this.slots.set(key, s);
      this.lru.push(new Map());
      this.rings.push(new Ring(this.capacityPerReplica + 1));
    }
    return s;
  }

  /**
   * For each slot in `slots`, how many leading blocks of `hashes` it holds (written to out[slot]).
   * Hashes are chained, so holding block i means having been sent blocks 0..i: a binary search per
   * replica (about 8 lookups for 256 blocks, shared between replicas) instead of a walk over the prompt.
   */
  matchLeading(hashes: ArrayLike<number>, count: number, slots: readonly number[], out: Int32Array | number[]): void {
    for (const s of slots) out[s] = 0;
    if (count === 0 || slots.length === 0) return;
    const first = this.owners.get(hashes[0] as number);
    if (!first) return;
    const probes = new Map<number, number[] | undefined>([[0, first]]);
    const maskAt = (i: number): number[] | undefined => {
      if (!probes.has(i)) probes.set(i, this.owners.get(hashes[i] as number));
      return probes.get(i);
    };
    for (const s of slots) {
      const word = s >>> 5;
      const bit = 1 << (s & 31);
      if (((first[word] ?? 0) & bit) === 0) continue;
      let lo = 0; // held
      let hi = count; // not held (or past the end)
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (((maskAt(mid)?.[word] ?? 0) & bit) !== 0) lo = mid;
        else hi = mid;
      }
      out[s] = lo + 1;
    }
  }

  /** Records that `slot` was sent these blocks (the engine will hold them in its prefix cache). */
  add(slot: number, hashes: ArrayLike<number>, count = hashes.length): void {
    const lru = this.lru[slot];
    const ring = this.rings[slot];
    if (!lru || !ring) return;
    const word = slot >>> 5;
    const bit = 1 << (slot & 31);
    // Tail first: a prompt's head blocks end up newest in clock order and are evicted last, which
    // keeps "holds block i ⇒ holds blocks 0..i" (the binary search in matchLeading relies on it).
    for (let i = count - 1; i >= 0; i--) {
      const h = hashes[i] as number;
      if (lru.has(h)) {
        lru.set(h, 1);
        continue;
      }
      // Make room first: the clock hand gives referenced blocks a second chance.
      while (lru.size >= this.capacityPerReplica) {
        const oldest = ring.shift();
        if (lru.get(oldest) === 1) {
          lru.set(oldest, 0);
          ring.push(oldest);
          continue;
        }
        lru.delete(oldest);
        const mask = this.owners.get(oldest);
        if (mask) {
          mask[word] = (mask[word] ?? 0) & ~bit;
          if (mask.every((m) => m === 0)) this.owners.delete(oldest);
        }
      }
      lru.set(h, 0);
      ring.push(h);
      let mask = this.owners.get(h);
      if (!mask) {
        mask = [];
        this.owners.set(h, mask);
      }
      mask[word] = (mask[word] ?? 0) | bit;
    }
  }

  size(slot: number): number {
    return this.lru[slot]?.size ?? 0;
  }
}

/** A fixed-size FIFO of block hashes. */
class Ring {
  private readonly buf: Float64Array;
  private head = 0;
  private tail = 0;

  constructor(size: number) {
    this.buf = new Float64Array(size);
  }

  push(v: number): void {
    this.buf[this.tail] = v;
    this.tail = (this.tail + 1) % this.buf.length;
  }

  shift(): number {
    const v = this.buf[this.head] as number;
    this.head = (this.head + 1) % this.buf.length;
    return v;
  }
}
