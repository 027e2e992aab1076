// /ui/session: sign in (POST, with a Relais key), who am I (GET), sign out (DELETE); /ui/session/methods
// lists the ways to sign in. `startSession` is the one place a session is created: another sign-in
// method (single sign-on) checks its own credentials, then calls it with its subject and method name.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { parseInput } from '../access/validation.js';
import type { Principal } from '../access/principal.js';
import { checkSameOrigin, checkSessionRequest } from '../identity/same-origin.js';
import type { SessionAccess } from '../identity/session-access.js';
import type { SessionSubject } from '../identity/session-cache.js';
import { requestOrigin, sessionCredentials } from '../identity/session-credentials.js';
import { csrfTokenOf, SESSION_COOKIE, sessionIdOf, sessionTokenFrom } from '../identity/session-token.js';
import { errors } from '../protocol/errors.js';
import type { SessionRow } from '../store/types.js';
import { parseJson, readBody, sendJson } from '../server/body.js';

export interface SignInMethod {
  readonly id: string;
  /** Shown on the sign-in page ("Sign in with <label>"). */
  readonly label: string;
  /** Where the browser goes to start it (single sign-on); absent for the key form. */
  readonly start_url?: string;
}

export interface SessionRouteDeps {
  readonly access: SessionAccess;
  /** Sign-in methods besides the key form (single sign-on providers add themselves here). */
  readonly methods?: readonly SignInMethod[];
}

const signInSchema = z.object({ method: z.literal('key').default('key'), key: z.string().min(1).max(500) }).strict();
const noStore = { 'cache-control': 'no-store' };

function secureRequest(req: IncomingMessage): boolean {
  const socket = req.socket as { encrypted?: boolean };
  return socket.encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}

function cookie(token: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

function principalJson(p: Principal): Record<string, unknown> {
  return { kind: p.kind, admin: p.admin, key_id: p.keyId ?? null, key_name: p.keyName ?? null, user_id: p.userId ?? null, user_name: p.userName ?? null, team_id: p.teamId ?? null };
}

function sessionJson(row: SessionRow, token: string, principal: Principal): Record<string, unknown> {
  return {
    signed_in: true,
    method: row.method,
    created_at: new Date(row.createdAt).toISOString(),
    expires_at: new Date(row.expiresAt).toISOString(),
    csrf_token: csrfTokenOf(token),
    principal: principalJson(principal),
  };
}

/** Opens a session for `subject` and sets its cookie; answers 201 with what GET /ui/session shows. */
export async function startSession(req: IncomingMessage, res: ServerResponse, access: SessionAccess, subject: SessionSubject, method: string): Promise<void> {
  const { token, row } = await access.sessions.open(subject, method);
  const principal = access.principalOf(row);
  sendJson(res, 201, sessionJson(row, token, principal), { ...noStore, 'set-cookie': cookie(token, Math.floor(access.sessions.ttlMs / 1000), secureRequest(req)) });
}

/** Opens a session for `subject` (checked first: a disabled user gets none) and returns its Set-Cookie value (single sign-on redirects with it). */
export async function sessionCookie(req: IncomingMessage, access: SessionAccess, subject: SessionSubject, method: string, secure: boolean): Promise<string> {
  if (subject.kind === 'user') access.keys.principalOfUser(subject.id);
  const { token } = await access.sessions.open(subject, method);
  return cookie(token, Math.floor(access.sessions.ttlMs / 1000), secure || secureRequest(req));
}

function subjectOf(p: Principal): SessionSubject {
  if (p.kind === 'master') return { kind: 'master', id: 'master' };
  if (p.kind === 'key' && p.keyId !== undefined) return { kind: 'key', id: p.keyId };
  throw errors.invalidParam('key', 'Invalid request: this gateway is open (no keys): the console needs no sign-in.');
}

export function sessionRoutes(deps: SessionRouteDeps) {
  const { access } = deps;
  return {
    async signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
      // Login CSRF: only the console's own page may sign a browser in.
      checkSameOrigin(requestOrigin(req));
      const body = parseInput(signInSchema, parseJson(await readBody(req, 16_384)));
      const principal = access.keys.authenticate({ authorization: `Bearer ${body.key}` });
      await startSession(req, res, access, subjectOf(principal), 'key');
    },

    async current(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const token = sessionTokenFrom(req.headers.cookie);
      if (token !== undefined) {
        const row = access.sessions.get(sessionIdOf(token));
        if (row) return sendJson(res, 200, sessionJson(row, token, access.principalOf(row)), noStore);
      }
      // Not an error for the page that asks: it shows the sign-in form (or, on an open gateway, everything).
      if (access.open) return sendJson(res, 200, { signed_in: false, open: true, principal: principalJson(access.keys.authenticate({})) }, noStore);
      sendJson(res, 200, { signed_in: false, open: false, principal: null }, noStore);
    },

    async signOut(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const token = sessionTokenFrom(req.headers.cookie);
      const creds = sessionCredentials(req);
      if (token === undefined || creds === undefined) throw errors.unauthorized('Not signed in.');
      checkSessionRequest(creds, token);
      await access.sessions.close(sessionIdOf(token));
      res.writeHead(204, { ...noStore, 'set-cookie': cookie('', 0, secureRequest(req)) });
      res.end();
    },

    async methods(_req: IncomingMessage, res: ServerResponse): Promise<void> {
      sendJson(res, 200, { methods: [{ id: 'key', label: 'Relais key' }, ...(deps.methods ?? [])] }, noStore);
    },
  };
}
