import { KeyObject, createPublicKey, sign } from 'node:crypto';
import type { JwtValidatorConfig } from '../../lambda/policy/config';
import { LoadedAuthorizer, loadAuthorizer } from '../support/authorizer';
import { JwksServer } from '../support/jwks-server';
import {
  SigningKey,
  TestAlgorithm,
  encodeSegment,
  generateSigningKey,
  signWith,
  standardClaims,
} from '../support/jwt';
import {
  authorizerConfig,
  jwtRequirement,
  jwtValidatorConfig,
  operation,
} from '../support/policy-config';

export const ISSUER = 'https://idp.example.com/';
export const AUDIENCE = 'api://orders';
/** Scope the protected operation requires. */
export const REQUIRED_SCOPE = 'orders.read';

/**
 * Keys, servers and token builders shared by the security suites. The JWKS served to the
 * authorizer contains the four signing keys plus keys that must never verify a token: one for
 * encryption, one limited to `encrypt`, one whose `alg` is PS256, a 1024-bit RSA key, a
 * P-384 key, two RSA keys sharing the kid `dup`, and a symmetric key.
 */
export class JwtFixture {
  readonly loaded: LoadedAuthorizer[] = [];

  private constructor(
    readonly rs: SigningKey,
    readonly ps: SigningKey,
    readonly es: SigningKey,
    readonly ed: SigningKey,
    readonly extra: Record<
      'enc' | 'ops' | 'psOnly' | 'weak' | 'p384' | 'dupA' | 'dupB' | 'evil',
      SigningKey
    >,
    readonly jwks: JwksServer,
    /** A server the attacker controls; the authorizer must never call it. */
    readonly attacker: JwksServer,
  ) {}

  static async start(): Promise<JwtFixture> {
    const rs = generateSigningKey('RS256', { kid: 'rs-1' });
    const ps = generateSigningKey('PS256', { kid: 'ps-1' });
    const es = generateSigningKey('ES256', { kid: 'es-1' });
    const ed = generateSigningKey('EdDSA', { kid: 'ed-1' });
    const extra = {
      enc: generateSigningKey('RS256', { kid: 'enc-1' }),
      ops: generateSigningKey('RS256', { kid: 'ops-1' }),
      psOnly: generateSigningKey('PS256', { kid: 'ps-only' }),
      weak: generateSigningKey('RS256', { kid: 'weak-1', rsaBits: 1024 }),
      p384: generateSigningKey('ES384', { kid: 'p384-1' }),
      dupA: generateSigningKey('RS256', { kid: 'dup' }),
      dupB: generateSigningKey('RS256', { kid: 'dup' }),
      evil: generateSigningKey('RS256', { kid: 'rs-1' }),
    };
    const served = [
      rs.jwk,
      ps.jwk,
      es.jwk,
      ed.jwk,
      { ...extra.enc.jwk, use: 'enc', alg: undefined },
      { ...extra.ops.jwk, use: undefined, key_ops: ['encrypt'] },
      extra.psOnly.jwk,
      extra.weak.jwk,
      { ...extra.p384.jwk, alg: undefined },
      extra.dupA.jwk,
      extra.dupB.jwk,
      { kty: 'oct', kid: 'oct-1', k: Buffer.from('shared-secret').toString('base64url') },
    ].map((jwk) => JSON.parse(JSON.stringify(jwk)) as Record<string, unknown>);
    const jwks = await JwksServer.start(served);
    const attacker = await JwksServer.start([extra.evil.jwk]);
    return new JwtFixture(rs, ps, es, ed, extra, jwks, attacker);
  }

  /** Returns a cold authorizer whose validator reads the fixture's JWKS. */
  authorizer(overrides: Partial<JwtValidatorConfig> = {}): LoadedAuthorizer {
    const validator = jwtValidatorConfig(
      ISSUER,
      { kind: 'jwks', url: this.jwks.jwksUrl },
      overrides,
    );
    const requirement = jwtRequirement([
      { claim: 'scope', values: [REQUIRED_SCOPE], match: 'all' },
    ]);
    const authorizer = loadAuthorizer(
      authorizerConfig(validator, [operation('GET', '/orders', requirement)]),
    );
    this.loaded.push(authorizer);
    return authorizer;
  }

  /** Returns claims that pass every check, with `overrides` on top. */
  claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return standardClaims(ISSUER, AUDIENCE, {
      scope: `${REQUIRED_SCOPE} orders.write`,
      ...overrides,
    });
  }

  /** Signs JSON header and claims with `key` under the header's `alg` rules of the key. */
  sign(
    key: SigningKey,
    claims: unknown = this.claims(),
    header: Record<string, unknown> = {},
  ): string {
    const fullHeader = dropUndefined({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header });
    return signRaw(key, encodeSegment(fullHeader), encodeSegment(claims));
  }

  async close(): Promise<void> {
    this.loaded.splice(0).forEach((authorizer) => authorizer.dispose());
    await this.jwks.close();
    await this.attacker.close();
  }
}

/** Signs the exact segment text given, so encodings the parser must reject still carry a valid signature. */
export function signRaw(
  key: SigningKey,
  headerSegment: string,
  payloadSegment: string,
  alg: TestAlgorithm = key.alg,
): string {
  const input = `${headerSegment}.${payloadSegment}`;
  return `${input}.${signWith(alg, key.privateKey, input).toString('base64url')}`;
}

/** Signs `signingInput` with ECDSA in the DER form that JOSE does not use. */
export function derSignature(privateKey: KeyObject, signingInput: string): Buffer {
  return sign('sha256', Buffer.from(signingInput), privateKey);
}

/** Returns the public key of `key` as PEM text, the secret of an HMAC confusion attack. */
export function publicPem(key: SigningKey): string {
  return createPublicKey(key.privateKey).export({ format: 'pem', type: 'spki' }).toString();
}

/** Replaces the signature of a compact token. */
export function withSignature(token: string, signature: string): string {
  const [header, payload] = token.split('.');
  return `${header}.${payload}.${signature}`;
}

/** Changes the unused low bits of a base64url segment's last character. */
export function flipTrailingBits(segment: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(segment[segment.length - 1]);
  return segment.slice(0, -1) + alphabet[last ^ 1];
}

/** Builds JSON nested `depth` arrays deep around `inner`. */
export function nestedJson(depth: number, inner: string): string {
  return '['.repeat(depth) + inner + ']'.repeat(depth);
}

function dropUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}
