// The session part of a request's credentials, built only when it carries cookies (API clients do not).
import type { IncomingMessage } from 'node:http';
import type { SessionCredentials } from '../access/access.js';

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Where a browser request comes from (for same-origin checks without a session, e.g. at sign-in). */
export function requestOrigin(req: IncomingMessage): Pick<SessionCredentials, 'host' | 'origin' | 'fetchSite'> {
  return { host: header(req, 'x-forwarded-host') ?? req.headers.host, origin: header(req, 'origin'), fetchSite: header(req, 'sec-fetch-site') };
}

export function sessionCredentials(req: IncomingMessage): SessionCredentials | undefined {
  const cookie = req.headers.cookie;
  if (cookie === undefined) return undefined;
  return {
    cookie,
    method: req.method ?? 'GET',
    ...requestOrigin(req),
    csrf: header(req, 'x-relais-csrf'),
  };
}
