// The few upstream response headers the gateway uses, read straight from undici's raw header buffers.

/** Upstream headers worth forwarding to the client. */
const keptHeaders = ['retry-after', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests'];

/** Whether a raw header name equals a lowercase name, ignoring ASCII case (no string is built). */
function sameName(raw: Buffer, lower: string): boolean {
  if (raw.length !== lower.length) return false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Puts the kept headers into `into` and returns the content type (undefined when absent). As undici's
 * parsed headers did: values are latin1, a kept header sent twice is dropped, repeated content types join with ','.
 */
export function readReplyHeaders(raw: readonly Buffer[], into: Record<string, string>): string | undefined {
  let contentType: string | undefined;
  let repeated: string[] | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (sameName(name, 'content-type')) {
      const v = raw[i + 1]!.toString('latin1');
      contentType = contentType === undefined ? v : `${contentType},${v}`;
      continue;
    }
    for (const kept of keptHeaders) {
      if (!sameName(name, kept)) continue;
      if (kept in into || repeated?.includes(kept)) {
        delete into[kept];
        (repeated ??= []).push(kept);
      } else {
        into[kept] = raw[i + 1]!.toString('latin1');
      }
      break;
    }
  }
  return contentType;
}
