// Configured secrets (backend API keys and URL passwords, the master key) never reach a client or a
// usage record through text the gateway relays: an engine's error may echo the key it was sent.
import type { Config } from '../config/schema.js';

/** Shorter values would blank ordinary words; a secret that short is a problem of its own. */
const MIN_SECRET_CHARS = 6;
const MASK = '[redacted]';

export interface Redactor {
  text(s: string): string;
  /** The same bytes when no secret occurs in them (the common case: one search per secret). */
  bytes(b: Buffer): Buffer;
}

function secretsOf(config: Pick<Config, 'master_key' | 'backends'>): string[] {
  const found = new Set<string>();
  if (config.master_key) found.add(config.master_key);
  for (const b of Object.values(config.backends)) {
    if (b.kind === 'embedded') continue;
    if (b.api_key) found.add(b.api_key);
    try {
      const u = new URL(b.url);
      if (u.password) found.add(decodeURIComponent(u.password));
    } catch {
      // The config schema checked the URL; nothing to add.
    }
  }
  // Longest first, so a secret that contains another is masked whole.
  return [...found].filter((s) => s.length >= MIN_SECRET_CHARS).sort((a, b) => b.length - a.length);
}

export function secretRedactor(config: Pick<Config, 'master_key' | 'backends'>): Redactor {
  const secrets = secretsOf(config);
  const buffers = secrets.map((s) => Buffer.from(s));
  return {
    text(s) {
      let out = s;
      for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
      return out;
    },
    bytes(b) {
      for (const secret of buffers) {
        if (b.includes(secret)) return Buffer.from(this.text(b.toString('utf8')));
      }
      return b;
    },
  };
}
