import { JsonWebKey, KeyObject, createPublicKey } from 'node:crypto';
import { AlgorithmSpec } from '../jwt/algorithms';

/** Smallest RSA modulus accepted, in bits, as RFC 7518 section 3.3 requires. */
const MIN_RSA_BITS = 2048;

/** A public key from a JWKS, imported once into a `KeyObject`. */
export interface VerificationKey {
  readonly kid?: string;
  readonly kty: string;
  readonly crv?: string;
  /** The JWK's own `alg`; when set, the token's `alg` must equal it. */
  readonly alg?: string;
  readonly key: KeyObject;
}

/**
 * Imports a public JWK for signature verification, or returns undefined when it cannot
 * verify signatures: an unknown key type, `use` other than `sig`, `key_ops` without
 * `verify`, or an RSA modulus under 2048 bits. Private members are never read.
 */
export function importJwk(jwk: Record<string, unknown>): VerificationKey | undefined {
  const { kty, crv, alg, kid, use, key_ops: keyOps } = jwk;
  if (use !== undefined && use !== 'sig') {
    return undefined;
  }
  if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.includes('verify'))) {
    return undefined;
  }
  if (!isOptionalString(kid) || !isOptionalString(alg)) {
    return undefined;
  }

  const publicMembers = pickPublicMembers(jwk);
  if (publicMembers === undefined) {
    return undefined;
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicMembers, format: 'jwk' });
  } catch {
    return undefined;
  }

  const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (kty === 'RSA' && modulusBits < MIN_RSA_BITS) {
    return undefined;
  }
  return { kid, kty: kty as string, crv: crv as string | undefined, alg, key };
}

/** Tells whether `key` may verify a token signed with `alg`. */
export function keyFitsAlgorithm(key: VerificationKey, alg: string, spec: AlgorithmSpec): boolean {
  const algMatches = key.alg === undefined || key.alg === alg;
  return algMatches && key.kty === spec.kty && key.crv === spec.crv;
}

function pickPublicMembers(jwk: Record<string, unknown>): JsonWebKey | undefined {
  const strings = (...names: string[]) => names.every((name) => typeof jwk[name] === 'string');
  switch (jwk.kty) {
    case 'RSA':
      return strings('n', 'e') ? { kty: 'RSA', n: jwk.n as string, e: jwk.e as string } : undefined;
    case 'EC':
      return strings('crv', 'x', 'y')
        ? { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string }
        : undefined;
    case 'OKP':
      return jwk.crv === 'Ed25519' && strings('x')
        ? { kty: 'OKP', crv: 'Ed25519', x: jwk.x as string }
        : undefined;
    default:
      return undefined;
  }
}

function isOptionalString(value: unknown): value is string | undefined {
  return value === undefined || typeof value === 'string';
}
