// The `auth` section of relais.yaml: people sign in with an OpenID provider (auth.oidc), machines call
// with JWTs of configured issuers (auth.jwt). See docs/identity.md.
import { z } from 'zod';

const url = (what: string) => z.string().url(`expected an http(s) URL: ${what}`).refine((u) => /^https?:\/\//.test(u), `expected an http(s) URL: ${what}`);
const claimName = z.string().min(1).max(200);

/** Which claims say who the person or machine is, and what it may do. Shared by SSO and JWT. */
const claims = z
  .object({
    /** The stable user id at the provider (`sub`; Entra ID: `oid`). */
    user_id: claimName.default('sub'),
    email: claimName.default('email'),
    /** Display name; falls back to preferred_username, the email, then the user id. */
    name: claimName.default('name'),
    /** A list of group names (or one string). Keycloak: `groups`; Entra ID: `groups` (object ids) or `roles`. */
    groups: claimName.default('groups'),
    /** A claim whose value is the team's name (created on first sight); wins over `group_teams`. */
    team: claimName.optional(),
  })
  .strict()
  .default({});

const mapping = {
  claims,
  /** Members of any of these groups are admins; removed from them, they lose it at their next sign-in. Empty: nobody becomes admin this way. */
  admin_groups: z.array(z.string().min(1)).default([]),
  /** Group → team name: the first group of this map the user is in gives the team (created on first sight). */
  group_teams: z.record(z.string().min(1), z.string().min(1).max(200)).default({}),
};

const oidc = z
  .object({
    /** The issuer URL; its /.well-known/openid-configuration is read at start. */
    issuer: url('the issuer, e.g. https://sso.example.org/realms/staff'),
    client_id: z.string().min(1),
    /** Confidential clients (Keycloak, Entra ID web apps); omit for a public client (PKCE only). */
    client_secret: z.string().min(1).optional(),
    scopes: z.array(z.string().min(1)).default(['openid', 'profile', 'email']),
    /** The gateway's public base URL as the browser sees it: the redirect URI is <this>/auth/oidc/callback. */
    redirect_base_url: url('the gateway as browsers reach it, e.g. https://llm.example.org'),
    /** Shown on the console's sign-in page: "Sign in with <display_name>". */
    display_name: z.string().min(1).max(80).default('single sign-on'),
    /** Plain http issuers are refused unless they are on loopback or this is true (tests, labs). */
    allow_insecure_http: z.boolean().default(false),
    ...mapping,
  })
  .strict()
  .superRefine((o, ctx) => {
    if (!o.scopes.includes('openid')) ctx.addIssue({ code: 'custom', path: ['scopes'], message: "the scopes must include 'openid'" });
  });

/** Asymmetric algorithms only: a shared-secret (HS*) algorithm would let a public key sign tokens, `none` anyone. */
export const jwtAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const jwtIssuer = z
  .object({
    /** A short name for logs and the users' source. */
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'issuer names are letters, digits, _ . -'),
    /** The exact `iss` the tokens carry. */
    issuer: z.string().min(1),
    /** Where the issuer's public keys are (JSON Web Key Set). */
    jwks_url: url('the JWKS, e.g. https://sso.example.org/realms/staff/protocol/openid-connect/certs'),
    /** The `aud` tokens must carry (one of them). */
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    algorithms: z
      .array(z.string())
      .min(1)
      .default(['RS256', 'ES256'])
      .superRefine((algs, ctx) => {
        algs.forEach((a, i) => {
          if (!(jwtAlgorithms as readonly string[]).includes(a)) {
            ctx.addIssue({ code: 'custom', path: [i], message: `'${a}' is not allowed: only asymmetric algorithms (${jwtAlgorithms.join(', ')}); never none or HS*` });
          }
        });
      }),
    /** Tolerated clock difference for exp and nbf. */
    clock_skew_s: z.number().int().min(0).max(300).default(30),
    /** The keys are fetched again at most this often for an unknown `kid` (key rotation), and kept this long otherwise. */
    jwks_cooldown_s: z.number().int().min(1).max(3600).default(30),
    jwks_max_age_s: z.number().int().min(60).max(86_400).default(600),
    /** Models a token may use when no `models` claim says (empty: every model). */
    models: z.array(z.string().min(1)).default([]),
    /** A claim holding a list of model names or globs, narrowing what the token may use. */
    models_claim: claimName.optional(),
    /** Limits for each user of this issuer (null: none). */
    rpm: z.number().int().positive().nullable().default(null),
    tpm: z.number().int().positive().nullable().default(null),
    concurrency: z.number().int().positive().nullable().default(null),
    allow_insecure_http: z.boolean().default(false),
    ...mapping,
  })
  .strict();

export const authSchema = z
  .object({
    oidc: oidc.optional(),
    jwt: z.array(jwtIssuer).default([]),
  })
  .strict()
  .superRefine((a, ctx) => {
    const names = new Set<string>();
    a.jwt.forEach((j, i) => {
      if (names.has(j.name)) ctx.addIssue({ code: 'custom', path: ['jwt', i, 'name'], message: `duplicate issuer name '${j.name}'` });
      names.add(j.name);
    });
  });

export type AuthConfig = z.infer<typeof authSchema>;
export type OidcConfig = z.infer<typeof oidc>;
export type JwtIssuerConfig = z.infer<typeof jwtIssuer>;
export type ClaimMapping = Pick<OidcConfig, 'claims' | 'admin_groups' | 'group_teams'>;

/** http URLs are only for loopback (a provider started in a test or on the same machine) unless allowed. */
export function insecureUrlAllowed(u: string, allow: boolean): boolean {
  const parsed = new URL(u);
  if (parsed.protocol === 'https:' || allow) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
}
