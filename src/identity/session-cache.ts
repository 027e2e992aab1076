// Console sessions in memory, shared through the store: looked up synchronously on every request,
// reloaded when the store's session revision moves (sign-in or sign-out on another instance), and a
// session created elsewhere moments ago is fetched once on first sight.
import type { SessionRow, Store } from '../store/types.js';
import { newSessionToken, sessionIdOf } from './session-token.js';

/** Who a session is for: a key, the master key, or (single sign-on, later) a user. */
export interface SessionSubject {
  readonly kind: SessionRow['subjectKind'];
  readonly id: string;
}

export interface SessionCacheOptions {
  readonly store: Store;
  /** Poll interval of the session revision: the bound on how late other instances see a sign-out. */
  readonly refreshMs: number;
  readonly ttlMs: number;
  readonly now?: (() => number) | undefined;
  readonly warn?: ((message: string) => void) | undefined;
}

const MISS_MS = 1_000;

export class SessionCache {
  private byId = new Map<string, SessionRow>();
  /** Ids recently looked up and not found: a bad cookie costs one store query per second at most. */
  private readonly misses = new Map<string, number>();
  private revision = -1;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  private constructor(private readonly options: SessionCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  static async create(options: SessionCacheOptions): Promise<SessionCache> {
    const cache = new SessionCache(options);
    await cache.refresh();
    cache.timer = setInterval(() => {
      cache.refresh().catch((err: unknown) => options.warn?.(`session cache refresh failed: ${String(err)}`));
    }, options.refreshMs);
    cache.timer.unref();
    return cache;
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  /** The live session with this id, or undefined (unknown, signed out or expired). */
  get(id: string): SessionRow | undefined {
    const row = this.byId.get(id);
    return row && row.expiresAt > this.now() ? row : undefined;
  }

  /** True when `id` is neither cached nor recently missed: the caller should `load` it first. */
  needsLoad(id: string): boolean {
    if (this.byId.has(id)) return false;
    const until = this.misses.get(id);
    return until === undefined || until <= this.now();
  }

  /** Fetches one session from the store (created on another instance since the last refresh). */
  async load(id: string): Promise<void> {
    const row = await this.options.store.getSession(id);
    if (row && row.expiresAt > this.now()) {
      this.byId.set(id, row);
      return;
    }
    if (this.misses.size > 10_000) this.misses.clear();
    this.misses.set(id, this.now() + MISS_MS);
  }

  /** Creates a session for a subject; returns the token for the cookie (never stored). */
  async open(subject: SessionSubject, method: string): Promise<{ token: string; row: SessionRow }> {
    const token = newSessionToken();
    const createdAt = this.now();
    const row: SessionRow = { id: sessionIdOf(token), subjectKind: subject.kind, subjectId: subject.id, method, createdAt, expiresAt: createdAt + this.options.ttlMs };
    await this.options.store.createSession(row);
    this.byId.set(row.id, row);
    return { token, row };
  }

  async close(id: string): Promise<void> {
    this.byId.delete(id);
    await this.options.store.deleteSession(id);
  }

  /** Reloads every live session when the store's session revision moved; purges expired ones. */
  async refresh(): Promise<void> {
    const store = this.options.store;
    const revision = await store.sessionRevision();
    if (revision === this.revision) return;
    const now = this.now();
    const rows = await store.listSessions(now);
    this.byId = new Map(rows.map((r) => [r.id, r]));
    this.revision = revision;
    await store.purgeSessions(now);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
