// The access stage with console sessions: a request without an API key but with a session cookie is
// authenticated by the session (in memory, no store round trip), as the key behind it. The key's own
// state is read on every request, so revoking it ends its sessions at once.
import type { Config } from '../config/schema.js';
import type { Access, AdmissionInput, Credentials, Ticket } from '../access/access.js';
import type { KeyAccess } from '../access/key-access.js';
import { masterPrincipal, type Principal } from '../access/principal.js';
import { errors } from '../protocol/errors.js';
import type { SessionRow } from '../store/types.js';
import { checkSessionRequest } from './same-origin.js';
import type { SessionCache } from './session-cache.js';
import { sessionIdOf, sessionTokenFrom } from './session-token.js';

export class SessionAccess implements Access {
  constructor(
    readonly keys: KeyAccess,
    readonly sessions: SessionCache,
  ) {}

  authenticate(credentials: Credentials): Principal {
    const s = credentials.session;
    // An API key, when given, wins: scripts and SDKs never depend on cookies.
    if (s === undefined || credentials.authorization !== undefined || credentials.apiKey !== undefined) return this.keys.authenticate(credentials);
    const token = sessionTokenFrom(s.cookie);
    if (token === undefined || this.keys.open) return this.keys.authenticate(credentials);
    const row = this.sessions.get(sessionIdOf(token));
    if (!row) throw errors.unauthorized('Your console session has ended (signed out or expired): sign in again.');
    checkSessionRequest(s, token);
    return this.principalOf(row);
  }

  /** Who a session acts as, checked against the key's current state. */
  principalOf(row: SessionRow): Principal {
    if (row.subjectKind === 'master') {
      if (!this.keys.hasMasterKey) throw errors.unauthorized('The master key this session was signed in with is no longer configured.');
      return masterPrincipal;
    }
    if (row.subjectKind === 'key') return this.keys.principalById(row.subjectId);
    // A person signed in with single sign-on: their user's current state (disabled ends the session at once).
    return this.keys.principalOfUser(row.subjectId);
  }

  prepare(credentials: Credentials): Promise<void> | undefined {
    const s = credentials.session;
    if (s === undefined || credentials.authorization !== undefined || credentials.apiKey !== undefined) return undefined;
    const token = sessionTokenFrom(s.cookie);
    if (token === undefined) return undefined;
    const id = sessionIdOf(token);
    if (this.sessions.needsLoad(id)) return this.sessions.load(id).then(() => this.userReady(id));
    return this.userReady(id);
  }

  /** A person's session opened on another instance moments ago may name a user this one has not loaded yet. */
  private userReady(id: string): Promise<void> | undefined {
    const row = this.sessions.get(id);
    return row?.subjectKind === 'user' ? this.keys.needsUser(row.subjectId) : undefined;
  }

  get open(): boolean {
    return this.keys.open;
  }

  admit(principal: Principal, input: AdmissionInput): Ticket | Promise<Ticket> {
    return this.keys.admit(principal, input);
  }

  /** A configuration reload reaches the keys' access stage (prices). */
  reconfigure(config: Pick<Config, 'models'>): void {
    this.keys.reconfigure?.(config);
  }

  async close(): Promise<void> {
    this.sessions.stop();
    await this.keys.close();
  }
}
