// RFC 4180 CSV: quote fields that hold commas, quotes or line breaks; U+0000 (which spreadsheets and
// CSV readers choke on) is dropped.
export function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v).replaceAll('\u0000', '');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(columns: readonly string[], rows: readonly Readonly<Record<string, unknown>>[]): string {
  return [columns.join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))].join('\r\n') + '\r\n';
}
