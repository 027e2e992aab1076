// API key secrets: a recognisable prefix plus 32 random bytes; only the sha256 is stored.
import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'rl-';

export interface NewSecret {
  readonly id: string;
  readonly secret: string;
  readonly hash: string;
  /** Shown in listings so people recognise their key without the secret. */
  readonly prefix: string;
}

export function hashSecret(secret: string): string {
  return secretDigest(secret).toString('hex');
}

export function generateSecret(): NewSecret {
  const secret = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { id: `key_${randomUUID().replace(/-/g, '').slice(0, 20)}`, secret, hash: hashSecret(secret), prefix: secret.slice(0, 10) };
}

/** The sha256 of a secret as bytes: hashed once per request, compared to the master key's and looked up as hex. */
export function secretDigest(secret: string): Buffer {
  // The one-shot form: no Hash object per request (half the time of createHash on the hot path).
  return hash('sha256', secret, 'buffer');
}

/** Constant-time comparison of two secrets' digests (fixed length, so lengths do not leak). */
export function sameDigest(a: Buffer, b: Buffer): boolean {
  return timingSafeEqual(a, b);
}


/** The token from `Authorization: Bearer X` or `x-api-key: X`. */
export function tokenFrom(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  if (authorization !== undefined) {
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (m?.[1]) return m[1];
  }
  const k = apiKey?.trim();
  return k ? k : undefined;
}
