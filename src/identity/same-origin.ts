// CSRF defence for cookie-authenticated requests: browsers say where a request comes from
// (Sec-Fetch-Site, Origin); state changes also need the session's CSRF token in a header, which
// another site can neither read nor send.
import type { SessionCredentials } from '../access/access.js';
import { GatewayError } from '../protocol/errors.js';
import { csrfTokenOf, sameToken } from './session-token.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function crossSite(message: string): GatewayError {
  return new GatewayError({ status: 403, type: 'permission_error', code: 'cross_site_request', message });
}

/** Throws 403 unless the request comes from the gateway's own pages. */
export function checkSameOrigin(c: Pick<SessionCredentials, 'fetchSite' | 'origin' | 'host'>): void {
  if (c.fetchSite !== undefined && c.fetchSite !== 'same-origin' && c.fetchSite !== 'none') {
    throw crossSite(`Cross-site request refused (Sec-Fetch-Site: ${c.fetchSite}).`);
  }
  if (c.origin !== undefined) {
    let host: string;
    try {
      host = new URL(c.origin).host;
    } catch {
      throw crossSite('Cross-site request refused (unreadable Origin).');
    }
    if (c.host === undefined || host !== c.host) throw crossSite(`Cross-site request refused (Origin ${c.origin}).`);
  }
}

/** Same origin always; state changes also carry the session's CSRF token in x-relais-csrf. */
export function checkSessionRequest(c: SessionCredentials, token: string): void {
  checkSameOrigin(c);
  if (SAFE_METHODS.has(c.method.toUpperCase())) return;
  if (c.csrf === undefined || !sameToken(c.csrf, csrfTokenOf(token))) {
    throw new GatewayError({ status: 403, type: 'permission_error', code: 'csrf_token_invalid', message: 'Missing or wrong x-relais-csrf header (get it from GET /ui/session).' });
  }
}
