// A real OpenID provider for tests (the certified `oidc-provider` package) on a loopback port: its
// development login form accepts any login and password; the claims of each login come from `accounts`,
// which a test may change between sign-ins (a user removed from a group).
import { createServer, type RequestListener, type Server } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface TestAccount {
  email: string;
  name: string;
  groups: string[];
}

export interface TestProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly accounts: Map<string, TestAccount>;
  close(): Promise<void>;
}

/** Skips the consent screen (a first-party client): the grant covers what was asked. */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  if (!oidc.client || !oidc.session?.accountId) return undefined;
  const grantId = oidc.session.grantIdFor(oidc.client.clientId);
  if (grantId) {
    const existing = await oidc.provider.Grant.find(grantId);
    if (existing) return existing;
  }
  const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
  grant.addOIDCScope('openid email profile');
  await grant.save();
  return grant;
}

export async function startProvider(redirectUris: string[]): Promise<TestProvider> {
  // Listen first (port 0: no race for a free port), then build the provider for the issuer URL that gives.
  let handler: RequestListener = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-idp-1', alg: 'RS256', use: 'sig' };
  const accounts = new Map<string, TestAccount>();
  const clientId = 'relais-console';
  const clientSecret = 'test-secret-0123456789abcdef0123456789';
  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris, response_types: ['code'], grant_types: ['authorization_code'] }],
    claims: { openid: ['sub'], email: ['email'], profile: ['name', 'groups'] },
    // The groups and name go into the ID token itself (as Keycloak and Entra ID can be told to do).
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const a = accounts.get(id);
      if (!a) return undefined;
      return { accountId: id, claims: () => ({ sub: id, email: a.email, name: a.name, groups: [...a.groups] }) };
    },
    jwks: { keys: [jwk] },
    loadExistingGrant,
    cookies: { keys: ['relais-test-cookie-key'] },
    features: { devInteractions: { enabled: true } },
  });
  // Its own warnings (development interactions) stay out of the test output.
  provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));
  handler = provider.callback();
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
