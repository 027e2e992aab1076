// What auth.oidc and auth.jwt add to a gateway: the access stage in front of keys and sessions (JWT bearer),
// the single sign-on routes, and the console's "Sign in with <provider>" method.
import type { Access } from '../access/access.js';
import type { KeyAccess } from '../access/key-access.js';
import type { AuthConfig } from '../config/auth-schema.js';
import type { SignInMethod } from '../console/session-routes.js';
import type { ExtraRoute } from '../server/routes.js';
import type { Store } from '../store/types.js';
import { JwtAccess } from './jwt-access.js';
import { JwtVerifier } from './jwt-verifier.js';
import { OidcClient } from './oidc-client.js';
import { LOGIN_PATH, oidcRoutes } from './oidc-routes.js';
import type { SessionAccess } from './session-access.js';

export interface IdentityDeps {
  readonly store: Store;
  readonly keys: KeyAccess;
  readonly sessions: SessionAccess;
  readonly warn: (message: string, fields?: Record<string, unknown>) => void;
}

export interface IdentityParts {
  readonly access: Access;
  readonly routes: ExtraRoute[];
  readonly methods: SignInMethod[];
}

export function identityParts(auth: AuthConfig, deps: IdentityDeps): IdentityParts {
  const access: Access = auth.jwt.length === 0
    ? deps.sessions
    : new JwtAccess({ inner: deps.sessions, keys: deps.keys, verifier: new JwtVerifier(auth.jwt), store: deps.store });
  const oidc = auth.oidc;
  if (oidc === undefined) return { access, routes: [], methods: [] };
  const client = new OidcClient(oidc);
  return {
    access,
    routes: oidcRoutes({ client, mapping: oidc, store: deps.store, access: deps.sessions, warn: deps.warn }),
    methods: [{ id: 'oidc', label: oidc.display_name, start_url: LOGIN_PATH }],
  };
}
