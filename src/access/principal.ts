// Who is calling, and what their key lets them do. Produced by authentication, read by later stages.
import type { ModelMatcher } from './model-match.js';

export type Priority = 'interactive' | 'batch';
export type LoggingPolicy = 'none' | 'metadata' | 'full';

export interface Principal {
  /** 'anonymous' (open gateway), 'master' (config master key), 'key', or 'user' (single sign-on session, JWT bearer). */
  readonly kind: 'anonymous' | 'master' | 'key' | 'user';
  readonly admin: boolean;
  readonly keyId?: string | undefined;
  readonly keyName?: string | undefined;
  readonly userId?: string | undefined;
  /** The user's display name (people signed in with single sign-on). */
  readonly userName?: string | undefined;
  readonly teamId?: string | undefined;
  /** Backend zones prompts may reach; 'any' means no restriction. */
  readonly zones: readonly string[] | 'any';
  readonly priority: Priority;
  readonly logging: LoggingPolicy;
  /** Days prompt logs are kept when logging is 'full'. */
  readonly logRetentionDays?: number | undefined;
  /** The models this key may use; undefined: every model. */
  readonly models?: ModelMatcher | undefined;
  /** False when the key may not keep Responses API responses (undefined: it may). */
  readonly storeResponses?: boolean | undefined;
}

export const anonymousPrincipal: Principal = Object.freeze({
  kind: 'anonymous',
  admin: true,
  zones: 'any',
  priority: 'interactive',
  logging: 'none',
});

export const masterPrincipal: Principal = Object.freeze({
  kind: 'master',
  admin: true,
  keyId: 'master',
  zones: 'any',
  priority: 'interactive',
  logging: 'none',
});

export function zoneAllowed(principal: Principal, zone: string): boolean {
  return principal.zones === 'any' || principal.zones.includes(zone);
}

/** May this caller use (and so see) the model? */
export function modelAllowed(principal: Principal, model: string): boolean {
  return principal.models === undefined || principal.models(model);
}

/** Who owns what a caller makes (stored responses, queue slots, audit records): the key, else the user, else the kind. */
export function principalId(p: Principal): string {
  return p.keyId ?? (p.userId !== undefined ? `user:${p.userId}` : p.kind);
}
