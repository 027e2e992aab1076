// Configured secrets (backend API keys and URL passwords, the master key) never reach a client or a
// usage record through text the gateway relays: an engine's error may echo the key it was sent.
import type { BackendConfig } from '../config/schema.js';

/** Shorter values would blank ordinary words; a secret that short is a problem of its own. */
const MIN_SECRET_CHARS = 6;
const MASK = '[redacted]';

export interface Redactor {
  text(s: string): string;
  /** The same bytes when no secret occurs in them (the common case: one search per secret). */
  bytes(b: Buffer): Buffer;
}

/** What an engine is sent and so may echo: its api_key and the password in its URL. */
export function backendSecrets(cfg: BackendConfig): (string | undefined)[] {
  if (cfg.kind === 'embedded') return [];
  let password: string | undefined;
  try {
    password = decodeURIComponent(new URL(cfg.url).password) || undefined;
  } catch {
    // The config schema checked the URL.
  }
  return [cfg.api_key, password];
}

/** A redactor of these secrets, or undefined when there is none to mask (nothing to search for). */
export function secretRedactor(candidates: readonly (string | undefined)[]): Redactor | undefined {
  // Longest first, so a secret that contains another is masked whole.
  const secrets = [...new Set(candidates)].filter((s): s is string => s !== undefined && s.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return undefined;
  const buffers = secrets.map((s) => Buffer.from(s));
  const text = (s: string): string => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
    return out;
  };
  return {
    text,
    bytes(b) {
      for (const secret of buffers) if (b.includes(secret)) return Buffer.from(text(b.toString('utf8')));
      return b;
    },
  };
}
