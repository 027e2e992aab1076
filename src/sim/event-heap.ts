// Binary min-heap of timed callbacks; ties run in insertion order so simultaneous events stay FIFO.

interface Entry {
  time: number;
  order: number;
  fn: () => void;
}

export class EventHeap {
  private readonly items: Entry[] = [];
  private counter = 0;

  get size(): number {
    return this.items.length;
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number {
    return this.items.length > 0 ? this.items[0]!.time : Infinity;
  }

  push(time: number, fn: () => void): void {
    const items = this.items;
    const entry: Entry = { time, order: this.counter++, fn };
    let i = items.length;
    items.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.time < time || (p.time === time && p.order < entry.order)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
  }

  /** Removes the earliest event; call only when size > 0. */
  pop(): Entry {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && less(items[r]!, items[l]!)) c = r;
        if (!less(items[c]!, last)) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order);
}
