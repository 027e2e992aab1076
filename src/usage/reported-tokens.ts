// Token counts as an engine reports them, believed only when they are whole numbers in range: a count
// of 1e400 (Infinity), -5 or "12" must not reach a cost, a budget or a tpm window.

/** Far above any real request (128 choices × 10M tokens), far below what sums and prices can carry. */
export const MAX_REPORTED_TOKENS = 1e10;

/** The count, or undefined (unknown: the gateway's estimate applies) when it is not a plausible count. */
export function reportedTokens(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_REPORTED_TOKENS ? v : undefined;
}
