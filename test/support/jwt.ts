import {
  KeyObject,
  constants,
  createHmac,
  createSign,
  generateKeyPairSync,
  randomUUID,
  sign,
} from 'node:crypto';

/** Algorithms the test helpers can sign with. */
export type TestAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'ES384' | 'EdDSA' | 'RS384' | 'PS512';

/** A key pair for signing test tokens, with its public half as a JWK. */
export interface SigningKey {
  readonly alg: TestAlgorithm;
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Public JWK with `kid`, `alg` and `use: 'sig'`. */
  readonly jwk: Record<string, unknown>;
}

/** Generates a fresh key pair for `alg`; RSA keys are 2048 bits unless `rsaBits` says otherwise. */
export function generateSigningKey(
  alg: TestAlgorithm,
  options: { kid?: string; rsaBits?: number } = {},
): SigningKey {
  const pair = generatePair(alg, options.rsaBits ?? 2048);
  const kid = options.kid ?? `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk };
}

function generatePair(alg: TestAlgorithm, rsaBits: number) {
  switch (alg) {
    case 'ES256':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    case 'ES384':
      return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    case 'EdDSA':
      return generateKeyPairSync('ed25519');
    default:
      return generateKeyPairSync('rsa', { modulusLength: rsaBits });
  }
}

/** Encodes a JSON value, or raw text, as one base64url token segment. */
export function encodeSegment(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Returns the current time in whole seconds since the epoch. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export interface SignOptions {
  /** Header fields merged over `{ alg, typ: 'JWT', kid }`; `undefined` removes a field. */
  readonly header?: Record<string, unknown>;
}

/** Signs `claims` as a compact JWS with the key's own algorithm. */
export function signJwt(key: SigningKey, claims: unknown, options: SignOptions = {}): string {
  const header = stripUndefined({ alg: key.alg, typ: 'JWT', kid: key.kid, ...options.header });
  const signingInput = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  return `${signingInput}.${signWith(key.alg, key.privateKey, signingInput).toString('base64url')}`;
}

/** Signs `signingInput` the way JWS algorithm `alg` prescribes. */
export function signWith(alg: TestAlgorithm, privateKey: KeyObject, signingInput: string): Buffer {
  const data = Buffer.from(signingInput);
  switch (alg) {
    case 'EdDSA':
      return sign(null, data, privateKey);
    case 'ES256':
      return sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    case 'ES384':
      return sign('sha384', data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
    case 'PS256':
      return pssSign('sha256', 32, privateKey, data);
    case 'PS512':
      return pssSign('sha512', 64, privateKey, data);
    case 'RS384':
      return sign('sha384', data, privateKey);
    default:
      return sign('sha256', data, privateKey);
  }
}

function pssSign(hash: string, saltLength: number, key: KeyObject, data: Buffer): Buffer {
  return createSign(hash)
    .update(data)
    .sign({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
}

/** Builds an HS256 token keyed with `secret`, as in the algorithm-confusion attack. */
export function signHs256(claims: unknown, secret: Buffer | string, kid?: string): string {
  const signingInput = `${encodeSegment({ alg: 'HS256', typ: 'JWT', kid })}.${encodeSegment(claims)}`;
  const mac = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${mac}`;
}

/** Builds an unsigned token with `alg: none`. */
export function unsignedJwt(claims: unknown, kid?: string): string {
  return `${encodeSegment({ alg: 'none', typ: 'JWT', kid })}.${encodeSegment(claims)}.`;
}

/** Returns standard claims valid for an hour, merged with `overrides`. */
export function standardClaims(
  issuer: string,
  audience: string | string[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = nowSeconds();
  return stripUndefined({
    iss: issuer,
    aud: audience,
    sub: 'user-123',
    iat: now,
    exp: now + 3600,
    ...overrides,
  });
}

function stripUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}
