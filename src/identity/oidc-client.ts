// The OpenID Connect relying party (openid-client, a certified implementation): discovery on first use
// (retried, so an identity provider that is down at start-up does not stop the gateway), the authorization
// request with PKCE S256, state and nonce, and the code exchange with the ID token verified against the
// provider's JWKS (signature, iss, aud, exp, nonce).
import * as client from 'openid-client';
import { insecureUrlAllowed, type OidcConfig } from '../config/auth-schema.js';
import { errors } from '../protocol/errors.js';

/** What the login keeps in the browser until the callback (never anything another browser could reuse). */
export interface PendingLogin {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** The console page to return to (a path under /ui/). */
  readonly returnTo: string;
}

export const CALLBACK_PATH = '/auth/oidc/callback';
const RETRY_MS = 10_000;

export class OidcClient {
  private config: client.Configuration | undefined;
  private discovering: Promise<client.Configuration> | undefined;
  private failedAt = 0;
  readonly redirectUri: string;

  constructor(readonly options: OidcConfig) {
    this.redirectUri = `${options.redirect_base_url.replace(/\/+$/, '')}${CALLBACK_PATH}`;
  }

  /** The provider's metadata, discovered once; a failure is retried after 10 s at the earliest. */
  private async configuration(): Promise<client.Configuration> {
    if (this.config) return this.config;
    if (this.discovering) return this.discovering;
    if (Date.now() - this.failedAt < RETRY_MS) throw errors.unavailable('The identity provider could not be reached; try again shortly.', 10);
    const o = this.options;
    const insecure = o.issuer.startsWith('http:') && insecureUrlAllowed(o.issuer, o.allow_insecure_http);
    const auth = o.client_secret === undefined ? client.None() : client.ClientSecretBasic(o.client_secret);
    this.discovering = client
      .discovery(new URL(o.issuer), o.client_id, { redirect_uris: [this.redirectUri], response_types: ['code'] }, auth, {
        execute: [client.enableNonRepudiationChecks, ...(insecure ? [client.allowInsecureRequests] : [])],
        timeout: 10,
      })
      .then(
        (c) => {
          this.config = c;
          return c;
        },
        (err: unknown) => {
          this.failedAt = Date.now();
          throw errors.unavailable(`The identity provider could not be reached (${err instanceof Error ? err.message : String(err)}); try again shortly.`, 10);
        },
      )
      .finally(() => {
        this.discovering = undefined;
      });
    return this.discovering;
  }

  /** The provider's issuer identifier (as discovered): the users' external issuer. */
  async issuer(): Promise<string> {
    return (await this.configuration()).serverMetadata().issuer;
  }

  /** Where to send the browser, and what it must bring back. */
  async start(returnTo: string): Promise<{ url: URL; pending: PendingLogin }> {
    const config = await this.configuration();
    const verifier = client.randomPKCECodeVerifier();
    const pending: PendingLogin = { state: client.randomState(), nonce: client.randomNonce(), verifier, returnTo };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: this.options.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  /** Exchanges the code for tokens (state, PKCE and nonce checked) and returns the ID token's verified claims. */
  async finish(callbackQuery: string, pending: PendingLogin): Promise<Record<string, unknown>> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, new URL(`${this.redirectUri}${callbackQuery}`), {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new Error('the provider returned no ID token');
    return { ...claims };
  }
}
