// Access without a key store: open when no master key is set (local use), else the master key only.
// The default of an in-process Gateway (tests, benchmarks); `relais serve` uses the key store.
import { errors } from '../protocol/errors.js';
import type { Access, Credentials, Ticket } from './access.js';
import { noopTicket } from './access.js';
import { sameDigest, secretDigest, tokenFrom } from './key-secret.js';
import { anonymousPrincipal, masterPrincipal, type Principal } from './principal.js';

export class MasterKeyAccess implements Access {
  /** The master key's sha256, computed once: each request's token is hashed and compared in constant time. */
  private readonly masterDigest: Buffer | undefined;

  constructor(masterKey: string | undefined) {
    this.masterDigest = masterKey === undefined ? undefined : secretDigest(masterKey);
  }

  authenticate(credentials: Credentials): Principal {
    if (this.masterDigest === undefined) return anonymousPrincipal;
    const key = tokenFrom(credentials.authorization, credentials.apiKey);
    if (key !== undefined && sameDigest(secretDigest(key), this.masterDigest)) return masterPrincipal;
    throw errors.unauthorized(key === undefined ? 'Missing API key: send Authorization: Bearer <key>.' : 'Invalid API key.');
  }

  admit(): Ticket {
    return noopTicket;
  }

  async close(): Promise<void> {}
}
