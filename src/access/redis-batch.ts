// The subjects of one batched Redis script: each request names its subjects by index into this table,
// so a subject shared by many requests of the batch (one busy key) is read and pruned once.
import type { LevelSpec, LimitSpec } from './limiter.js';

/** Requests per script: bounds the script's run time and the arrays it unpacks. */
export const MAX_BATCH = 256;

function sameSpec(a: LimitSpec, b: LimitSpec): boolean {
  if (a === b) return true;
  if (a.rpm !== b.rpm || a.tpm !== b.tpm || a.concurrency !== b.concurrency) return false;
  const x = a.budget;
  const y = b.budget;
  if (x === null || y === null) return x === y;
  return x.limit === y.limit && x.periodStart === y.periodStart && x.periodEnd === y.periodEnd && x.seed === y.seed;
}

export class SubjectTable {
  readonly levels: LevelSpec[] = [];
  private readonly index = new Map<string, number>();

  get size(): number {
    return this.levels.length;
  }

  /**
   * False when one of these subjects is in the table with other limits (a key changed between two
   * requests of the batch): that request waits for the next batch, so each script sees one spec per subject.
   */
  fits(levels: readonly LevelSpec[]): boolean {
    for (const l of levels) {
      const i = this.index.get(l.subject);
      if (i !== undefined && !sameSpec((this.levels[i] as LevelSpec).spec, l.spec)) return false;
    }
    return true;
  }

  /** Adds the subjects not yet in the table; returns each one's 1-based index, in order. */
  add(levels: readonly LevelSpec[]): number[] {
    const out: number[] = [];
    for (const l of levels) {
      let i = this.index.get(l.subject);
      if (i === undefined) {
        i = this.levels.length;
        this.index.set(l.subject, i);
        this.levels.push(l);
      }
      out.push(i + 1);
    }
    return out;
  }
}

/**
 * Takes from `queue` (in order) the items that fit one script: at most MAX_BATCH, and no subject with
 * two different specs. What does not fit stays queued, in order.
 */
export function takeBatch<T extends { readonly levels: readonly LevelSpec[] }>(queue: T[]): { items: T[]; subjects: number[][]; table: SubjectTable } {
  const table = new SubjectTable();
  const items: T[] = [];
  const subjects: number[][] = [];
  let kept = 0;
  for (let i = 0; i < queue.length; i++) {
    const q = queue[i] as T;
    if (items.length < MAX_BATCH && table.fits(q.levels)) {
      items.push(q);
      subjects.push(table.add(q.levels));
    } else {
      queue[kept++] = q;
    }
  }
  queue.length = kept;
  return { items, subjects, table };
}
