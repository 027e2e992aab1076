// Access without a key store: open when no master key is set (local use), else the master key only.
// The default of an in-process Gateway (tests, benchmarks); `relais serve` uses the key store.
import { errors } from '../protocol/errors.js';
import type { Access, Credentials, Ticket } from './access.js';
import { noopTicket } from './access.js';
import { sameSecret, tokenFrom } from './key-secret.js';
import { anonymousPrincipal, masterPrincipal, type Principal } from './principal.js';

export class MasterKeyAccess implements Access {
  constructor(private readonly masterKey: string | undefined) {}

  authenticate(credentials: Credentials): Principal {
    if (this.masterKey === undefined) return anonymousPrincipal;
    const key = tokenFrom(credentials.authorization, credentials.apiKey);
    if (key !== undefined && sameSecret(key, this.masterKey)) return masterPrincipal;
    throw errors.unauthorized(key === undefined ? 'Missing API key: send Authorization: Bearer <key>.' : 'Invalid API key.');
  }

  admit(): Ticket {
    return noopTicket;
  }

  async close(): Promise<void> {}
}
