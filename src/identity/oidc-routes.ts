// GET /auth/oidc/login sends the browser to the identity provider; GET /auth/oidc/callback checks what
// comes back, creates or updates the user (just in time), opens a console session and returns to /ui/.
// The login's state, nonce and PKCE verifier wait in a short-lived cookie of this browser (SameSite=Lax:
// the provider's redirect back is a cross-site navigation), so any instance can finish the sign-in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClaimMapping } from '../config/auth-schema.js';
import { sessionCookie } from '../console/session-routes.js';
import { GatewayError } from '../protocol/errors.js';
import type { ExtraRoute } from '../server/routes.js';
import type { Store } from '../store/types.js';
import { identityFromClaims } from './claims.js';
import { syncExternalUser } from './jit-users.js';
import type { OidcClient, PendingLogin } from './oidc-client.js';
import type { SessionAccess } from './session-access.js';

export const LOGIN_PATH = '/auth/oidc/login';
const FLOW_COOKIE = 'relais_oidc';
const FLOW_MAX_AGE_S = 600;

export interface OidcRouteDeps {
  readonly client: OidcClient;
  readonly mapping: ClaimMapping;
  readonly store: Store;
  readonly access: SessionAccess;
  readonly warn: (message: string, fields?: Record<string, unknown>) => void;
}

/** Only the console's own pages: no open redirect to another site. */
function safeReturnTo(v: string | null): string {
  return v !== null && /^\/ui\/[A-Za-z0-9/_\-.?=&%]*$/.test(v) && !v.includes('//') ? v : '/ui/';
}

function flowCookie(value: string, maxAgeS: number, secure: boolean): string {
  return `${FLOW_COOKIE}=${value}; Path=/auth/oidc/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

function encodePending(p: PendingLogin): string {
  return Buffer.from(JSON.stringify([p.state, p.nonce, p.verifier, p.returnTo])).toString('base64url');
}

function decodePending(cookieHeader: string | undefined): PendingLogin | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== FLOW_COOKIE) continue;
    const raw = part.slice(eq + 1).trim();
    if (raw.length > 2_000) return undefined;
    try {
      const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
      if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'string' && x.length > 0 && x.length < 500)) return undefined;
      const [state, nonce, verifier, returnTo] = v as [string, string, string, string];
      return { state, nonce, verifier, returnTo: safeReturnTo(returnTo) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function redirect(res: ServerResponse, location: string, cookies: string[]): void {
  res.writeHead(302, { location, 'cache-control': 'no-store', 'set-cookie': cookies });
  res.end();
}

export function oidcRoutes(deps: OidcRouteDeps): ExtraRoute[] {
  const secure = deps.client.redirectUri.startsWith('https:');
  const clearFlow = flowCookie('', 0, secure);

  /** Back to the sign-in page with the reason shown (the console reads ?sign_in_error=). */
  const fail = (res: ServerResponse, message: string): void => redirect(res, `/ui/?sign_in_error=${encodeURIComponent(message)}`, [clearFlow]);

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    let started: Awaited<ReturnType<OidcClient['start']>>;
    try {
      started = await deps.client.start(safeReturnTo(query.get('return_to')));
    } catch (err) {
      deps.warn('relais sso: cannot start a sign-in', { error: err instanceof Error ? err.message : String(err) });
      return fail(res, err instanceof GatewayError ? err.message : 'The identity provider could not be reached; try again shortly.');
    }
    redirect(res, started.url.href, [flowCookie(encodePending(started.pending), FLOW_MAX_AGE_S, secure)]);
  }

  async function callback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const pending = decodePending(req.headers.cookie);
    if (!pending) return fail(res, 'The sign-in took too long or was started in another browser: try again.');
    const rawUrl = req.url ?? '';
    const q = rawUrl.indexOf('?');
    const search = q < 0 ? '' : rawUrl.slice(q);
    let claims: Record<string, unknown>;
    try {
      claims = await deps.client.finish(search, pending);
    } catch (err) {
      // Refused by the provider (error=access_denied), a wrong state, nonce or signature: say so, sign nobody in.
      deps.warn('relais sso: sign-in refused', { error: err instanceof Error ? err.message : String(err) });
      if (err instanceof GatewayError) return fail(res, err.message);
      return fail(res, 'Single sign-on failed: the identity provider\'s answer could not be verified.');
    }
    try {
      const identity = identityFromClaims(await deps.client.issuer(), claims, deps.mapping);
      const { user, changed } = await syncExternalUser(deps.store, identity, 'oidc');
      // This instance sees the new or changed user at once; the others are told (bus) or poll.
      if (changed) await deps.access.keys.refresh();
      if (user.disabled) return fail(res, 'Your user has been disabled by an administrator.');
      const session = await sessionCookie(req, deps.access, { kind: 'user', id: user.id }, 'oidc', secure);
      redirect(res, pending.returnTo, [clearFlow, session]);
    } catch (err) {
      deps.warn('relais sso: sign-in failed', { error: err instanceof Error ? err.message : String(err) });
      if (err instanceof GatewayError && err.status < 500) return fail(res, err.message);
      return fail(res, 'Single sign-on failed on the gateway; try again shortly.');
    }
  }

  return [
    { method: 'GET', path: LOGIN_PATH, auth: false, handler: login },
    { method: 'GET', path: '/auth/oidc/callback', auth: false, handler: callback },
  ];
}
