// Derivative-free minimisation shared by the fits of the server factors and of a user's calibration: one factor
// at a time, multiplied or divided by a step that shrinks (log space suits shares and overheads alike).

export interface SearchResult<P> {
  readonly params: P;
  readonly loss: number;
}

export interface SearchOptions<P> {
  readonly keys: readonly (keyof P & string)[];
  readonly bounds: Readonly<Record<keyof P & string, readonly [number, number]>>;
  /** First multiplicative step (then its square root, down to 1.01). */
  readonly step: number;
  /** Derived fields kept in line after each move (e.g. a ratio between two factors). */
  readonly tie?: (p: P) => P;
}

export function coordinateSearch<P extends Record<string, number>>(start: P, loss: (p: P) => number, o: SearchOptions<P>): SearchResult<P> {
  let p = start;
  let best = loss(p);
  for (let step = o.step; step > 1.01; step = Math.sqrt(step)) {
    let improved = true;
    while (improved) {
      improved = false;
      for (const k of o.keys) {
        const current = p[k] as number;
        for (const dir of [step, 1 / step]) {
          const v = Math.min(o.bounds[k][1], Math.max(o.bounds[k][0], current * dir));
          if (v === p[k]) continue;
          const moved = { ...p, [k]: v };
          const q = o.tie ? o.tie(moved) : moved;
          const l = loss(q);
          if (l < best - 1e-12) {
            best = l;
            p = q;
            improved = true;
          }
        }
      }
    }
  }
  return { params: p, loss: best };
}
