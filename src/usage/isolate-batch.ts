// Writes a batch so that one bad row cannot block the others: when the store refuses the rows
// themselves (isRowError), the batch is halved until the bad rows stand alone; those are dropped
// and reported. Any other failure (a lost connection) stops at once, keeping everything unwritten.
import { isRowError } from '../store/store-errors.js';

/** A write stopped by a failure that is not about its rows; `done` leading items were written or dropped. */
export class BatchInterrupted extends Error {
  constructor(
    readonly done: number,
    override readonly cause: unknown,
  ) {
    super(`write interrupted after ${done} item(s): ${String(cause)}`);
    this.name = 'BatchInterrupted';
  }
}

/**
 * `write(part, offset)` writes batch[offset .. offset + part.length) in one transaction. Parts are
 * written in batch order, so the written items always form a prefix plus the dropped ones.
 */
export async function writeIsolating<T>(
  batch: readonly T[],
  write: (part: readonly T[], offset: number) => Promise<void>,
  onBadRow: (item: T, err: unknown) => void,
): Promise<void> {
  // Parts still to write, in order: [offset, length].
  const parts: [number, number][] = [[0, batch.length]];
  while (parts.length > 0) {
    const [offset, length] = parts.shift() as [number, number];
    const part = offset === 0 && length === batch.length ? batch : batch.slice(offset, offset + length);
    try {
      await write(part, offset);
    } catch (err) {
      if (!isRowError(err)) throw new BatchInterrupted(offset, err);
      if (length === 1) {
        onBadRow(part[0] as T, err);
        continue;
      }
      const half = Math.ceil(length / 2);
      parts.unshift([offset, half], [offset + half, length - half]);
    }
  }
}
