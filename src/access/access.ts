// The access stage: authenticate a caller, then admit (or refuse) one request.
// Implementations: open/master-key only (gateway core) and the key store with budgets and limits.
import type { Endpoint } from '../protocol/canonical.js';
import type { Principal } from './principal.js';

export interface Credentials {
  /** Value of the Authorization header, if any. */
  readonly authorization?: string | undefined;
  /** Value of the x-api-key header, if any. */
  readonly apiKey?: string | undefined;
  /** Present when the request carries cookies: what a console session needs to be checked. */
  readonly session?: SessionCredentials | undefined;
}

/** A browser request's cookie and the headers that tell same-site from cross-site. */
export interface SessionCredentials {
  readonly cookie: string;
  readonly method: string;
  readonly host?: string | undefined;
  readonly origin?: string | undefined;
  /** Sec-Fetch-Site, sent by every current browser. */
  readonly fetchSite?: string | undefined;
  /** The x-relais-csrf header. */
  readonly csrf?: string | undefined;
}

export interface AdmissionInput {
  readonly requestId: string;
  readonly model: string;
  readonly endpoint: Endpoint;
  /** Estimated prompt tokens (characters / 4 plus the chat template). */
  readonly promptTokens: number;
  /** Completion tokens to reserve: max_tokens (or the gateway's default) times the choices generated. */
  readonly maxTokens: number;
}

/** What happened, as known at the end of a request; settles budget and limits. */
export interface Settlement {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly cachedTokens: number;
  readonly cost: number;
}

export interface Ticket {
  /** Response headers to add (x-ratelimit-*), if any. */
  readonly headers: Readonly<Record<string, string>>;
  /** True when admission reserved the request's max_tokens (tpm or budget): the engine must be held to it. */
  readonly reserved?: boolean | undefined;
  /** Called exactly once when the request ends, whatever its outcome. */
  settle(settlement: Settlement): void;
}

export interface Access {
  /** Throws GatewayError 401 for unknown, revoked or expired keys. Synchronous on the hot path: keys are cached. */
  authenticate(credentials: Credentials): Principal;
  /** Throws GatewayError 403 / 402 / 429 when the request may not run. */
  admit(principal: Principal, input: AdmissionInput): Ticket | Promise<Ticket>;
  /** A promise when authenticate() needs a store look-up first (a session created on another instance); else undefined. */
  prepare?(credentials: Credentials): Promise<void> | undefined;
  close(): Promise<void>;
}

export const noopTicket: Ticket = Object.freeze({ headers: Object.freeze({}), settle: () => undefined });
