// Access without a key store: open when no master key is set (local use), else the master key only.
import { timingSafeEqual } from 'node:crypto';
import { errors } from '../protocol/errors.js';
import type { Access, Credentials, Ticket } from './access.js';
import { noopTicket } from './access.js';
import { anonymousPrincipal, masterPrincipal, type Principal } from './principal.js';

/** The bearer token from Authorization or x-api-key, if any. */
export function presentedKey(c: Credentials): string | undefined {
  const auth = c.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : undefined;
  }
  return c.apiKey || undefined;
}

export function sameSecret(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export class MasterKeyAccess implements Access {
  constructor(private readonly masterKey: string | undefined) {}

  authenticate(credentials: Credentials): Principal {
    if (this.masterKey === undefined) return anonymousPrincipal;
    const key = presentedKey(credentials);
    if (key !== undefined && sameSecret(key, this.masterKey)) return masterPrincipal;
    throw errors.unauthorized(key === undefined ? 'Missing API key: send Authorization: Bearer <key>.' : 'Invalid API key.');
  }

  admit(): Ticket {
    return noopTicket;
  }

  async close(): Promise<void> {}
}
