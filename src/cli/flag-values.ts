// Flag text as admin API values: shared by relais keys, users and teams.

/** A number when it reads as one; 'none' is null; otherwise the text, so validation names the field. */
export function numberish(v: string): number | string | null {
  if (v === 'none') return null;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : v;
}

/** A comma-separated flag as its non-empty, trimmed items. */
export const list = (v: string): string[] => v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
