// The access stage with JWT bearer tokens in front of another one (keys, sessions): a bearer that is a
// JWT is verified once (in `prepare`, asynchronously), mapped to its user (created just in time) and
// cached until it expires, so later requests with the same token cost a map look-up, no store round trip.
// The user's state is read on every request: disabling the user refuses their tokens at once.
import { createHash } from 'node:crypto';
import type { Config } from '../config/schema.js';
import type { Access, AdmissionInput, Credentials, Ticket } from '../access/access.js';
import type { KeyAccess } from '../access/key-access.js';
import type { CachedUser } from '../access/key-cache.js';
import { tokenFrom } from '../access/key-secret.js';
import type { LimitSpec } from '../access/limiter.js';
import { modelMatcher } from '../access/model-match.js';
import { modelAllowed, type Principal } from '../access/principal.js';
import { errors, GatewayError } from '../protocol/errors.js';
import type { Store } from '../store/types.js';
import { identityFromClaims } from './claims.js';
import { syncExternalUser } from './jit-users.js';
import { looksLikeJwt, type JwtVerifier, type VerifiedToken } from './jwt-verifier.js';

interface Verified {
  principal: Principal;
  /** The user as loaded when `principal` was built: a reload (any user change) rebuilds it. */
  user: CachedUser;
  /** The models the token may use (empty: every model). */
  readonly models: readonly string[];
  readonly spec: LimitSpec;
  /** Epoch ms after which the token is refused (exp plus the allowed skew). */
  readonly until: number;
}

interface Refused {
  readonly error: GatewayError;
  readonly until: number;
}

const MAX_CACHED = 20_000;
/** A refused token is not verified again for this long (a client retrying a bad token costs a map look-up). */
const REFUSED_MS = 5_000;

export interface JwtAccessOptions {
  readonly inner: Access & { readonly open?: boolean };
  readonly keys: KeyAccess;
  readonly verifier: JwtVerifier;
  readonly store: Store;
  readonly now?: (() => number) | undefined;
}

export class JwtAccess implements Access {
  private readonly verified = new Map<string, Verified>();
  private readonly refused = new Map<string, Refused>();
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Identities already written to the store by this process, as their claims said then. */
  private readonly synced = new Map<string, string>();
  /** The limits of each JWT principal (admit finds them without a search). */
  private readonly specs = new WeakMap<Principal, LimitSpec>();
  private readonly now: () => number;
  /** The last token hashed: prepare() and authenticate() of one request hash it once. */
  private lastToken = '';
  private lastId = '';

  constructor(private readonly o: JwtAccessOptions) {
    this.now = o.now ?? Date.now;
  }

  private jwtOf(credentials: Credentials): string | undefined {
    const token = tokenFrom(credentials.authorization, credentials.apiKey);
    return token !== undefined && looksLikeJwt(token) ? token : undefined;
  }

  private idOf(token: string): string {
    if (token !== this.lastToken) {
      this.lastId = cacheId(token);
      this.lastToken = token;
    }
    return this.lastId;
  }

  authenticate(credentials: Credentials): Principal {
    const token = this.jwtOf(credentials);
    if (token === undefined) return this.o.inner.authenticate(credentials);
    const id = this.idOf(token);
    const now = this.now();
    const v = this.verified.get(id);
    if (v) {
      if (v.until <= now) throw new GatewayError({ status: 401, type: 'authentication_error', code: 'invalid_token', message: 'The token has expired.' });
      const user = this.o.keys.cache.getUser(v.user.row.id) ?? v.user;
      if (user.row.disabled) throw errors.unauthorized("This token's user has been disabled.");
      // The user changed (admin flag, team) since: the principal follows at once.
      if (user !== v.user) {
        v.user = user;
        v.principal = this.principalOf(user, v.models, v.spec);
      }
      return v.principal;
    }
    const r = this.refused.get(id);
    if (r && r.until > now) throw r.error;
    // prepare() verifies every JWT before authenticate(): reaching here means it was not called.
    throw errors.unauthorized('The bearer token could not be verified.');
  }

  prepare(credentials: Credentials): Promise<void> | undefined {
    const token = this.jwtOf(credentials);
    if (token === undefined) return this.o.inner.prepare?.(credentials);
    const id = this.idOf(token);
    const now = this.now();
    if (this.verified.has(id) || (this.refused.get(id)?.until ?? 0) > now) return undefined;
    let p = this.inFlight.get(id);
    if (!p) {
      p = this.verify(id, token).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, p);
    }
    return p;
  }

  private async verify(id: string, token: string): Promise<void> {
    let verified: VerifiedToken;
    try {
      verified = await this.o.verifier.verify(token);
    } catch (err) {
      const error = err instanceof GatewayError ? err : errors.unauthorized('The bearer token could not be verified.');
      // An outage of the issuer (503) is tried again with the next request; a bad token is remembered.
      if (error.status === 401) this.remember(this.refused, id, { error, until: this.now() + REFUSED_MS });
      throw error;
    }
    const { issuer: c, payload } = verified;
    const identity = identityFromClaims(c.issuer, payload, c);
    const fingerprint = JSON.stringify([identity.name, identity.email, identity.teamName, identity.admin]);
    const who = `${identity.issuer}\u0000${identity.subject}`;
    let userId = this.synced.get(who)?.split('\u0000')[0];
    if (userId === undefined || this.synced.get(who) !== `${userId}\u0000${fingerprint}`) {
      try {
        const { user, changed } = await syncExternalUser(this.o.store, identity, 'jwt');
        if (changed) await this.o.keys.refresh();
        // Created by another instance moments ago: load it (the store's revision has moved).
        else if (this.o.keys.cache.getUser(user.id) === undefined) await this.o.keys.sync();
        userId = user.id;
        this.remember(this.synced, who, `${user.id}\u0000${fingerprint}`);
      } catch (err) {
        // The store is away: the caller retries (503); known subjects keep working from memory meanwhile.
        if (err instanceof GatewayError) throw err;
        throw errors.unavailable('The user directory is unavailable; try again shortly.', 2);
      }
    }
    this.o.keys.principalOfUser(userId);
    const user = this.o.keys.cache.getUser(userId);
    if (!user) throw errors.unauthorized("This token's user no longer exists.");
    const claimed = c.models_claim === undefined ? undefined : modelList(payload[c.models_claim]);
    const models = claimed ?? c.models;
    const spec: LimitSpec = { rpm: c.rpm, tpm: c.tpm, concurrency: c.concurrency, budget: null };
    const exp = typeof payload.exp === 'number' ? payload.exp * 1000 : this.now();
    this.remember(this.verified, id, { principal: this.principalOf(user, models, spec), user, models, spec, until: exp + c.clock_skew_s * 1000 });
  }

  private principalOf(user: CachedUser, models: readonly string[], spec: LimitSpec): Principal {
    const principal: Principal = Object.freeze({ ...user.principal, ...(models.length > 0 ? { models: modelMatcher(models) } : {}) });
    this.specs.set(principal, spec);
    return principal;
  }

  private remember<T>(map: Map<string, T>, id: string, value: T): void {
    // Bounded: a flood of distinct tokens empties the cache rather than the memory.
    if (map.size >= MAX_CACHED) map.clear();
    map.set(id, value);
  }

  get open(): boolean {
    return this.o.inner.open ?? false;
  }

  admit(principal: Principal, input: AdmissionInput): Ticket | Promise<Ticket> {
    const spec = principal.kind === 'user' ? this.specs.get(principal) : undefined;
    if (spec === undefined) return this.o.inner.admit(principal, input);
    if (!modelAllowed(principal, input.model)) throw errors.modelNotAllowed(input.model);
    // Limits per user of the issuer, held by the same limiter as keys' (Redis across instances).
    return this.o.keys.acquireLimits(`jwt:${principal.userId ?? ''}`, spec, input, principal.userId);
  }

  reconfigure(config: Pick<Config, 'models'>): void {
    this.o.inner.reconfigure?.(config);
  }

  async close(): Promise<void> {
    await this.o.inner.close();
  }
}

function cacheId(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function modelList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return v.split(/[\s,]+/).filter((m) => m !== '').slice(0, 200);
  if (Array.isArray(v)) return v.filter((m): m is string => typeof m === 'string' && m !== '' && m.length <= 200).slice(0, 200);
  return undefined;
}
