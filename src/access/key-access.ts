// The access stage with keys: cached authentication, model policy, limits and budgets through the limiter.
import { errors } from '../protocol/errors.js';
import type { Store, SubjectLimits } from '../store/types.js';
import { hasLimits } from './limits-schema.js';
import type { Access, AdmissionInput, Credentials, Settlement, Ticket } from './access.js';
import { noopTicket } from './access.js';
import { KeyCache, type CachedKey, type CachedSubject } from './key-cache.js';
import { sameDigest, secretDigest, tokenFrom } from './key-secret.js';
import {
  LimiterInputError, LimiterUnavailableError, type LevelSpec, type LimitLevel, type LimitSpec, type LimitState, type Limiter,
} from './limiter.js';
import type { BudgetPeriod } from '../store/types.js';
import { periodBounds } from './periods.js';
import { anonymousPrincipal, masterPrincipal, type Principal } from './principal.js';
import { createPricing, type Pricing } from './pricing.js';
import type { Config } from '../config/schema.js';
import { rateLimitHeaders, retryHeaders } from './ratelimit-headers.js';

/**
 * When a gateway without a master key lets anyone in (as an admin): only until its store has held a
 * key (default), whenever no key is usable (also after the last one expired or was revoked), or never.
 */
export type Openness = 'until_first_key' | 'while_no_usable_key' | 'never';

export interface KeyAccessOptions {
  readonly store: Store;
  readonly openness?: Openness | undefined;
  readonly limiter: Limiter;
  readonly pricing: Pricing;
  readonly masterKey?: string | undefined;
  /** Poll interval of the store revision: the bound on how late other instances see a revocation. */
  readonly refreshMs?: number | undefined;
  /** Admit without limits when the limiter is unreachable (default: refuse with 503). */
  readonly failOpen?: boolean | undefined;
  readonly defaultRetentionDays?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

/** A user's or team's limits and counters, as GET /v1/key shows them beside the key's. */
export interface LevelStatus {
  readonly level: 'user' | 'team';
  readonly id: string;
  readonly spec: LimitSpec;
  readonly period: BudgetPeriod;
  readonly limits: LimitState | undefined;
}

/** What GET /v1/key shows about the caller's own key. */
export interface KeyStatus {
  readonly key: CachedKey['row'] | undefined;
  readonly principal: Principal;
  readonly period: { readonly start: number; readonly end: number | null } | undefined;
  readonly limits: LimitState | undefined;
  /** The key's user and team, when they have limits. */
  readonly levels?: readonly LevelStatus[] | undefined;
}

const whose: Record<LimitLevel, string> = { key: 'this key', user: 'your user', team: 'your team' };
const reasons = {
  rpm: (l: LimitLevel) => `Rate limit reached: requests per minute (${whose[l]}).`,
  tpm: (l: LimitLevel) => `Rate limit reached: tokens per minute (${whose[l]}).`,
  concurrency: (l: LimitLevel) => `Too many concurrent requests for ${whose[l]}.`,
};

const least = <T extends { remaining: number }>(xs: (T | null)[]): T | null =>
  xs.reduce<T | null>((m, x) => (x !== null && (m === null || x.remaining < m.remaining) ? x : m), null);

/** Per kind of limit, the state of the level with the least left. */
function tightest(states: readonly LimitState[]): LimitState {
  if (states.length === 1) return states[0] as LimitState;
  return {
    rpm: least(states.map((s) => s.rpm)),
    tpm: least(states.map((s) => s.tpm)),
    inflight: Math.max(0, ...states.map((s) => s.inflight)),
    budget: states.reduce<LimitState['budget']>((m, { budget: b }) => (b !== null && (m === null || b.limit - b.spent - b.reserved < m.limit - m.spent - m.reserved) ? b : m), null),
  };
}

/** Stored limits (a key's, a user's or a team's) as the limiter takes them at `now`, the budget seeded for its period. */
function specAt(
  l: SubjectLimits,
  seed: { readonly periodStart: number; readonly spent: number } | undefined,
  now: number,
): LimitSpec {
  if (l.budget === null) return { rpm: l.rpm, tpm: l.tpm, concurrency: l.concurrency, budget: null };
  const bounds = periodBounds(l.budgetPeriod, now);
  const budget = { limit: l.budget, periodStart: bounds.start, periodEnd: bounds.end, seed: seed?.periodStart === bounds.start ? seed.spent : 0 };
  return { rpm: l.rpm, tpm: l.tpm, concurrency: l.concurrency, budget };
}

export class KeyAccess implements Access {
  readonly cache: KeyCache;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private lastWarn = 0;
  private readonly changeListeners: (() => void)[] = [];
  private wasOpen = false;
  private readonly masterDigest: Buffer | undefined;
  private lastUserMiss = 0;

  private constructor(private options: KeyAccessOptions) {
    this.masterDigest = options.masterKey === undefined ? undefined : secretDigest(options.masterKey);
    this.now = options.now ?? Date.now;
    this.warn = options.warn ?? ((m) => console.warn(m));
    this.cache = new KeyCache(options.store, options.defaultRetentionDays ?? 30, this.now);
  }

  static async create(options: KeyAccessOptions): Promise<KeyAccess> {
    const access = new KeyAccess(options);
    await access.cache.refresh(true);
    access.wasOpen = access.isOpen();
    const every = options.refreshMs ?? 2_000;
    access.timer = setInterval(() => {
      // Reading `open` logs a change of openness (a key expiring) even while no request comes.
      access.cache.refresh().then(() => access.open, (err: unknown) => access.warnOnce(`key cache refresh failed: ${String(err)}`));
    }, every);
    access.timer.unref();
    return access;
  }

  get pricing(): Pricing {
    return this.options.pricing;
  }

  /** A configuration reload: reservations and costs at the reloaded models' prices. */
  reconfigure(config: Pick<Config, 'models'>): void {
    this.options = { ...this.options, pricing: createPricing(config.models) };
  }

  private isOpen(): boolean {
    if (this.options.masterKey !== undefined) return false;
    switch (this.options.openness ?? 'until_first_key') {
      case 'until_first_key':
        return !this.cache.hadKeys;
      case 'while_no_usable_key':
        return !this.cache.hasUsableKeys;
      case 'never':
        return false;
    }
  }

  /** No master key and no key yet (see Openness): anyone who can reach the gateway is an admin. Changes are logged at warn. */
  get open(): boolean {
    const open = this.isOpen();
    if (open !== this.wasOpen) {
      this.wasOpen = open;
      this.warn(
        open
          ? 'relais access: the gateway is now OPEN: no usable key is left and access.open is while_no_usable_key, so anyone who can reach it is an admin'
          : 'relais access: the gateway is now closed: requests need a key',
      );
    }
    return open;
  }

  /** A master key is configured (sessions signed in with it stay valid only while it is). */
  get hasMasterKey(): boolean {
    return this.options.masterKey !== undefined;
  }

  /** Reloads keys now; admin changes call it so they apply at once on this instance (and tell the others). */
  async refresh(): Promise<void> {
    // The change is in the store already: the other instances reload while this one does.
    for (const l of this.changeListeners) l();
    await this.cache.refresh(true);
  }

  /** Told after each change made through this instance (cluster/change-feed publishes it). */
  onLocalChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  /** Another instance changed something: reload if the store's revision moved. */
  sync(): Promise<void> {
    return this.cache.refresh();
  }

  authenticate(credentials: Credentials): Principal {
    const token = tokenFrom(credentials.authorization, credentials.apiKey);
    if (this.open) return anonymousPrincipal;
    if (token === undefined) throw errors.unauthorized('Missing API key: send Authorization: Bearer <key> or x-api-key.');
    // One hash per request: compared with the master key's digest and, as hex, the key cache's index.
    const digest = secretDigest(token);
    if (this.masterDigest !== undefined && sameDigest(digest, this.masterDigest)) return masterPrincipal;
    return this.usable(this.cache.get(digest.toString('hex')));
  }

  /** The principal of a key by id (the key behind a console session): 401 when unknown, revoked or expired. */
  principalById(id: string): Principal {
    return this.usable(this.cache.getById(id));
  }

  /** The principal of a person (single sign-on session): 401 when unknown or disabled. */
  principalOfUser(id: string): Principal {
    const user = this.cache.getUser(id);
    if (!user) throw errors.unauthorized('Your user no longer exists: sign in again.');
    if (user.row.disabled) throw errors.unauthorized('Your user has been disabled by an administrator.');
    return user.principal;
  }

  /**
   * A user created on another instance moments ago (their first sign-in or token): reload when the store's
   * revision moved, at most once a second for users that stay unknown (a deleted user's old session).
   */
  needsUser(id: string): Promise<void> | undefined {
    if (this.cache.getUser(id) !== undefined) return undefined;
    const now = this.now();
    if (now - this.lastUserMiss < 1_000) return undefined;
    this.lastUserMiss = now;
    return this.cache.refresh();
  }

  /** True when the user is known here and disabled (a user created elsewhere moments ago is not). */
  userDisabled(id: string | undefined): boolean {
    return id !== undefined && this.cache.getUser(id)?.row.disabled === true;
  }

  private usable(cached: CachedKey | undefined): Principal {
    if (!cached) throw errors.unauthorized('Invalid API key.');
    if (cached.row.revokedAt !== null) throw errors.unauthorized('This API key has been revoked.');
    // A disabled user's keys stop at once (the cache reloads on every user change).
    if (this.userDisabled(cached.row.userId ?? undefined)) throw errors.unauthorized("This API key's user has been disabled.");
    if (cached.row.expiresAt !== null && cached.row.expiresAt <= this.now()) {
      throw errors.unauthorized(`This API key expired at ${new Date(cached.row.expiresAt).toISOString()}.`);
    }
    return cached.principal;
  }

  /** The limits of a key at this moment (period bounds move with time). */
  spec(cached: CachedKey, now = this.now()): LimitSpec {
    return specAt(cached.row, cached.seed, now);
  }

  /** A user's or team's limits at this moment. */
  subjectSpec(s: CachedSubject, now = this.now()): LimitSpec {
    return specAt(s.limits, s.seed, now);
  }

  /** The subjects a key's request counts against: the key, its user and its team, those with limits. */
  levels(cached: CachedKey, now = this.now()): LevelSpec[] {
    const out: LevelSpec[] = [];
    const spec = this.spec(cached, now);
    if (hasLimits(spec)) out.push({ level: 'key', subject: cached.row.id, spec });
    this.pushSubjects(out, cached.user, cached.team, now);
    return out;
  }

  private pushSubjects(out: LevelSpec[], user: CachedSubject | undefined, team: CachedSubject | undefined, now: number): void {
    if (user) out.push({ level: 'user', subject: user.name, spec: this.subjectSpec(user, now) });
    if (team) out.push({ level: 'team', subject: team.name, spec: this.subjectSpec(team, now) });
  }

  /** The user and team levels of a person without a key (single sign-on session, JWT bearer). */
  private userLevels(userId: string | undefined, now = this.now()): LevelSpec[] {
    const out: LevelSpec[] = [];
    if (userId === undefined) return out;
    const u = this.cache.getUser(userId);
    if (u) this.pushSubjects(out, u.user, u.team, now);
    return out;
  }

  async admit(principal: Principal, input: AdmissionInput): Promise<Ticket> {
    if (principal.kind === 'user') {
      // A person signed in (console playground) or holding a JWT: their user's and team's limits apply as to their keys.
      if (this.userDisabled(principal.userId)) throw errors.unauthorized('Your user has been disabled by an administrator.');
      return this.admitLevels(this.userLevels(principal.userId), input);
    }
    if (principal.kind !== 'key' || principal.keyId === undefined) return noopTicket;
    const cached = this.cache.getById(principal.keyId);
    if (!cached || cached.row.revokedAt !== null) throw errors.unauthorized('This API key has been revoked.');
    if (this.userDisabled(cached.row.userId ?? undefined)) throw errors.unauthorized("This API key's user has been disabled.");
    if (!cached.allows(input.model)) throw errors.modelNotAllowed(input.model);
    return this.admitLevels(this.levels(cached), input);
  }

  /**
   * Admits one request against the limits `spec` held under `id` (a JWT user's limiter id, from the issuer's
   * configuration) and, when `userId` is given, that user's and team's stored limits, all at once.
   */
  acquireLimits(id: string, spec: LimitSpec, input: AdmissionInput, userId?: string): Promise<Ticket> {
    const levels: LevelSpec[] = hasLimits(spec) ? [{ level: 'key', subject: id, spec }] : [];
    levels.push(...this.userLevels(userId));
    return this.admitLevels(levels, input);
  }

  /** Admits one request on every level at once (all or none), or refuses it naming the level. */
  private async admitLevels(levels: readonly LevelSpec[], input: AdmissionInput): Promise<Ticket> {
    if (levels.length === 0) return noopTicket;

    const tokens = input.promptTokens + input.maxTokens;
    const reserve = this.options.pricing.reservation(input.model, input.promptTokens, input.maxTokens);
    let result;
    try {
      result = await this.options.limiter.acquireLevels(levels, { requestId: input.requestId, tokens, reserve });
    } catch (err) {
      if (err instanceof LimiterInputError) throw errors.invalidParam('max_tokens', 'The request asks for more tokens than the gateway can account for.');
      if (!(err instanceof LimiterUnavailableError)) throw err;
      if (this.options.failOpen) {
        this.warnOnce(`${err.message}; admitting without limits (redis.fail_open)`);
        return noopTicket;
      }
      this.warnOnce(`${err.message}; refusing requests of keys with limits (fail closed)`);
      throw errors.unavailable('Rate limiter unavailable; try again shortly.', 1);
    }
    // The headers show the tightest level of each kind (what the client will run into first).
    const headers = rateLimitHeaders(tightest(result.states));
    if (!result.ok) {
      const i = levels.findIndex((l) => l.level === result.level);
      const state = result.states[i];
      const levelHeader = { 'x-relais-limit-level': result.level };
      if (result.reason === 'budget') {
        const b = state?.budget;
        const end = levels[i]?.spec.budget?.periodEnd;
        const who = result.level === 'key' ? 'Budget' : result.level === 'user' ? 'User budget' : 'Team budget';
        throw errors.budgetExceeded(
          `${who} exhausted: ${b?.spent.toFixed(4)} of ${b?.limit} credits spent${b && b.reserved > 0 ? ` (${b.reserved.toFixed(4)} reserved by requests in flight)` : ''}` +
            (end ? `; the budget resets at ${new Date(end).toISOString()}.` : '.'),
          result.level, levelHeader,
        );
      }
      throw errors.rateLimited(reasons[result.reason](result.level), { ...headers, ...retryHeaders(result.retryAfterMs), ...levelHeader }, result.level);
    }
    return this.ticket(levels, input.requestId, headers);
  }

  private ticket(levels: readonly LevelSpec[], requestId: string, headers: Record<string, string>): Ticket {
    let settled = false;
    return {
      headers,
      reserved: levels.some((l) => l.spec.tpm !== null || l.spec.budget !== null),
      settle: (s: Settlement) => {
        if (settled) return;
        settled = true;
        const p = this.options.limiter
          .releaseLevels(levels, { requestId, tokens: s.promptTokens + s.completionTokens, cost: s.cost })
          .catch((err: unknown) => this.warnOnce(`settling ${requestId} failed: ${String(err)}`))
          .finally(() => this.pending.delete(p));
        this.pending.add(p);
      },
    };
  }

  async status(principal: Principal): Promise<KeyStatus> {
    const cached = principal.keyId === undefined ? undefined : this.cache.getById(principal.keyId);
    if (!cached || principal.kind !== 'key') return { key: undefined, principal, period: undefined, limits: undefined };
    const spec = this.spec(cached);
    const bounds = periodBounds(cached.row.budgetPeriod, this.now());
    let limits: LimitState | undefined;
    try {
      limits = await this.options.limiter.peek(cached.row.id, spec);
    } catch (err) {
      if (!(err instanceof LimiterUnavailableError)) throw err;
    }
    const levels: LevelStatus[] = [];
    for (const l of this.levels(cached)) {
      if (l.level === 'key') continue;
      const sub = (l.level === 'user' ? cached.user : cached.team) as CachedSubject;
      let state: LimitState | undefined;
      try {
        state = await this.options.limiter.peek(l.subject, l.spec);
      } catch (err) {
        if (!(err instanceof LimiterUnavailableError)) throw err;
      }
      levels.push({ level: l.level, id: sub.id, spec: l.spec, period: sub.limits.budgetPeriod, limits: state });
    }
    return { key: cached.row, principal, period: bounds, limits, levels };
  }

  private warnOnce(message: string): void {
    // At most one warning per 10 s: an outage must not flood the log.
    const now = Date.now();
    if (now - this.lastWarn < 10_000) return;
    this.lastWarn = now;
    this.warn(`relais access: ${message}`);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.pending]);
    await this.options.limiter.close();
  }
}
