import { KeyObject, generateKeyPairSync, randomUUID, sign } from 'node:crypto';

/** Issuer, audience and role every benchmark token carries and every handler checks. */
export const ISSUER = 'https://login.bench.example/tenant-1/v2.0';
export const AUDIENCE = 'api://orders';
export const ROLE_CLAIM = 'roles';
export const REQUIRED_ROLE = 'Orders.Read';

export type BenchAlgorithm = 'RS256' | 'ES256';

/** A signing key with the public half as it appears in a JWKS. */
export interface SigningKey {
  readonly alg: BenchAlgorithm;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

/** Generates an RSA 2048-bit or P-256 key pair with a random key id. */
export function generateSigningKey(alg: BenchAlgorithm, kid: string = randomUUID()): SigningKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

export interface TokenOptions {
  /** Claims merged over the defaults; a value of `undefined` removes the claim. */
  readonly claims?: Record<string, unknown>;
  /** Header fields merged over `alg`, `typ` and `kid`. */
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

/** Signs a compact JWS with node:crypto, so the signer shares no code with any verifier. */
export function signToken(key: SigningKey, options: TokenOptions = {}): string {
  const header = dropUndefined({ alg: key.alg, typ: 'JWT', kid: key.kid, ...options.header });
  const claims = dropUndefined({ ...defaultClaims(), ...options.claims });
  const signingInput = `${encodeJson(header)}.${encodeJson(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
