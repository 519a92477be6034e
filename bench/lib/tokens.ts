import { randomUUID } from 'node:crypto';
import { SigningKey, generateSigningKey as generateKey, signJwt } from '../../test/support/jwt';

export type { SigningKey };

/** Issuer, audience and role every benchmark token carries and every handler checks. */
export const ISSUER = 'https://login.bench.example/tenant-1/v2.0';
export const AUDIENCE = 'api://orders';
export const ROLE_CLAIM = 'roles';
export const REQUIRED_ROLE = 'Orders.Read';

export type BenchAlgorithm = 'RS256' | 'ES256';

/** Generates an RSA 2048-bit or P-256 key pair, with a random key id unless `kid` is given. */
export function generateSigningKey(alg: BenchAlgorithm, kid?: string): SigningKey {
  return generateKey(alg, kid === undefined ? {} : { kid });
}

export interface TokenOptions {
  /** Claims merged over the defaults; a value of `undefined` removes the claim. */
  readonly claims?: Record<string, unknown>;
  /** Header fields merged over `alg`, `typ` and `kid`; `undefined` removes a field. */
  readonly header?: Record<string, unknown>;
}

/** Returns the claims of a token every handler accepts: right issuer, audience and role. */
export function defaultClaims(nowSeconds = Math.floor(Date.now() / 1000)): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `user-${randomUUID()}`,
    iat: nowSeconds,
    nbf: nowSeconds - 5,
    exp: nowSeconds + 3600,
    jti: randomUUID(),
    [ROLE_CLAIM]: [REQUIRED_ROLE, 'Orders.Write'],
  };
}

/** Signs a token with node:crypto, through the test helpers, so no verifier signs its own. */
export function signToken(key: SigningKey, options: TokenOptions = {}): string {
  const merged = { ...defaultClaims(), ...options.claims };
  const claims = Object.fromEntries(
    Object.entries(merged).filter(([, value]) => value !== undefined),
  );
  return signJwt(key, claims, { header: options.header });
}
