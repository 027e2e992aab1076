// Verifies JWT bearer tokens of the configured issuers (jose): the issuer is chosen by the token's `iss`
// among the configured ones, the key comes only from that issuer's JWKS (fetched, cached, fetched again
// for an unknown `kid` at most once per cooldown), the algorithm only from the configured asymmetric list.
// Nothing in the token's header (jwk, jku, x5u, alg: none, HS*) can choose a key.
import { createRemoteJWKSet, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { insecureUrlAllowed, type JwtIssuerConfig } from '../config/auth-schema.js';
import { errors, GatewayError } from '../protocol/errors.js';

export interface VerifiedToken {
  readonly issuer: JwtIssuerConfig;
  readonly payload: JWTPayload;
}

/** Three base64url parts, the first a JSON object: a JWT, never a Relais key. */
export function looksLikeJwt(token: string): boolean {
  return token.length < 16_384 && /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);
}

function invalidToken(message: string): GatewayError {
  return new GatewayError({ status: 401, type: 'authentication_error', code: 'invalid_token', message });
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;

export class JwtVerifier {
  private readonly byIssuer = new Map<string, { config: JwtIssuerConfig; keys: KeySet }>();

  constructor(issuers: readonly JwtIssuerConfig[]) {
    for (const i of issuers) {
      if (!insecureUrlAllowed(i.jwks_url, i.allow_insecure_http)) throw new Error(`auth.jwt ${i.name}: jwks_url must be https (or set allow_insecure_http)`);
      const keys = createRemoteJWKSet(new URL(i.jwks_url), {
        cooldownDuration: i.jwks_cooldown_s * 1000,
        cacheMaxAge: i.jwks_max_age_s * 1000,
        timeoutDuration: 5_000,
      });
      this.byIssuer.set(i.issuer, { config: i, keys });
    }
  }

  /** Throws 401 for every token that is not valid (503 only when the issuer's keys cannot be fetched). */
  async verify(token: string): Promise<VerifiedToken> {
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw invalidToken('The bearer token is not a readable JWT.');
    }
    const entry = iss === undefined ? undefined : this.byIssuer.get(iss);
    if (!entry) throw invalidToken(`Tokens of issuer '${String(iss).slice(0, 200)}' are not accepted here.`);
    const c = entry.config;
    try {
      const { payload } = await jwtVerify(token, entry.keys, {
        issuer: c.issuer,
        audience: c.audience,
        algorithms: c.algorithms,
        clockTolerance: c.clock_skew_s,
        requiredClaims: ['exp'],
      });
      return { issuer: c, payload };
    } catch (err) {
      throw this.refusal(err);
    }
  }

  private refusal(err: unknown): GatewayError {
    // The issuer's key set unreachable or broken is not the client's fault: 503, retried later.
    const keySetFailure = err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid || (err instanceof TypeError && /fetch/i.test(err.message)) ||
      (err instanceof joseErrors.JOSEError && err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/i.test(err.message));
    if (keySetFailure) {
      return errors.unavailable("The token issuer's keys could not be fetched; try again shortly.", 5);
    }
    if (err instanceof joseErrors.JWTExpired) return invalidToken('The token has expired.');
    if (err instanceof joseErrors.JOSEAlgNotAllowed) return invalidToken("The token's algorithm is not allowed.");
    if (err instanceof joseErrors.JWKSNoMatchingKey) return invalidToken("No key of the issuer matches the token's key id.");
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return invalidToken("The token's signature is not valid.");
    if (err instanceof joseErrors.JWTClaimValidationFailed) return invalidToken(`The token was refused: ${err.message}.`);
    if (err instanceof joseErrors.JOSEError) return invalidToken(`The token was refused (${err.code}).`);
    if (err instanceof GatewayError) return err;
    return errors.unavailable("The token issuer's keys could not be used; try again shortly.", 5);
  }
}
