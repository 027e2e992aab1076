// From a verified token's claims to who the person or machine is in Relais: subject, name, email, admin
// flag and team name, by the configured claim mapping. Hostile values (wrong types, huge strings) are
// refused or dropped here, so nothing odd reaches the store.
import type { ClaimMapping } from '../config/auth-schema.js';
import { hasControlCharacter } from '../protocol/control-chars.js';
import { GatewayError } from '../protocol/errors.js';

export interface ExternalIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly name: string;
  readonly email: string | null;
  readonly groups: readonly string[];
  /** Undefined when no admin_groups are configured: the admin flag is left as the admin set it. */
  readonly admin: boolean | undefined;
  /** Undefined when no team mapping is configured; null when configured and nothing matched. */
  readonly teamName: string | null | undefined;
}

const MAX_TEXT = 256;
const MAX_GROUPS = 1_000;

function text(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  // Control characters (NUL among them) never reach the store: such a value is treated as absent.
  return s === '' || s.length > MAX_TEXT || hasControlCharacter(s) ? undefined : s;
}

function groupsOf(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.slice(0, MAX_GROUPS).map(text).filter((g): g is string => g !== undefined);
}

function invalidIdentity(message: string): GatewayError {
  return new GatewayError({ status: 401, type: 'authentication_error', code: 'invalid_identity', message });
}

export function identityFromClaims(issuer: string, claims: Readonly<Record<string, unknown>>, m: ClaimMapping): ExternalIdentity {
  const subject = text(claims[m.claims.user_id]);
  if (subject === undefined) throw invalidIdentity(`The token has no usable '${m.claims.user_id}' claim (the user id).`);
  const rawEmail = text(claims[m.claims.email]);
  const email = rawEmail !== undefined && /^[^@\s]+@[^@\s]+$/.test(rawEmail) ? rawEmail : null;
  const name = text(claims[m.claims.name]) ?? text(claims.preferred_username) ?? email ?? subject;
  const groups = groupsOf(claims[m.claims.groups]);
  const admin = m.admin_groups.length === 0 ? undefined : groups.some((g) => m.admin_groups.includes(g));
  let teamName: string | null | undefined;
  const claimTeam = m.claims.team === undefined ? undefined : text(claims[m.claims.team]);
  if (claimTeam !== undefined) teamName = claimTeam;
  else if (m.claims.team !== undefined || Object.keys(m.group_teams).length > 0) {
    const group = Object.keys(m.group_teams).find((g) => groups.includes(g));
    teamName = group === undefined ? null : (m.group_teams[group] ?? null);
  }
  return { issuer, subject, name, email, groups, admin, teamName };
}
