// Control characters (C0 and DEL) have no place in names, ids and URL paths; free text may keep
// tab and line breaks.

/** True when `s` holds a character below U+0020 or U+007F (tab, LF and CR allowed with `lineBreaks`). */
export function hasControlCharacter(s: string, lineBreaks = false): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x7f || (c < 0x20 && !(lineBreaks && (c === 0x09 || c === 0x0a || c === 0x0d)))) return true;
  }
  return false;
}
