import { KeyObject, constants, verify } from 'node:crypto';
import { JwsAlgorithm } from '../config';

/** Key requirements of a JWS algorithm, and the parameters node:crypto verifies it with. */
export interface AlgorithmSpec {
  readonly kty: 'RSA' | 'EC' | 'OKP';
  /** Curve the key must use, for EC and OKP keys. */
  readonly crv?: string;
  /** Digest passed to `crypto.verify`; null for Ed25519, which hashes internally. */
  readonly hash: string | null;
  /** RSA padding mode. */
  readonly padding?: number;
  /** RSA-PSS salt length in bytes. */
  readonly saltLength?: number;
  /** Exact signature length in bytes, for ECDSA (IEEE P1363 encoding) and Ed25519. */
  readonly signatureLength?: number;
}

const rsa = (hash: string): AlgorithmSpec => ({
  kty: 'RSA',
  hash,
  padding: constants.RSA_PKCS1_PADDING,
});

// RFC 7518 section 3.5: the PSS salt is as long as the hash output.
const pss = (hash: string, saltLength: number): AlgorithmSpec => ({
  kty: 'RSA',
  hash,
  padding: constants.RSA_PKCS1_PSS_PADDING,
  saltLength,
});

const ecdsa = (hash: string, crv: string, signatureLength: number): AlgorithmSpec => ({
  kty: 'EC',
  crv,
  hash,
  signatureLength,
});

const eddsa: AlgorithmSpec = { kty: 'OKP', crv: 'Ed25519', hash: null, signatureLength: 64 };

/** Every algorithm the authorizer can verify; HMAC and `none` are deliberately absent. */
export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = {
  RS256: rsa('sha256'),
  RS384: rsa('sha384'),
  RS512: rsa('sha512'),
  PS256: pss('sha256', 32),
  PS384: pss('sha384', 48),
  PS512: pss('sha512', 64),
  ES256: ecdsa('sha256', 'P-256', 64),
  ES384: ecdsa('sha384', 'P-384', 96),
  ES512: ecdsa('sha512', 'P-521', 132),
  EdDSA: eddsa,
  Ed25519: eddsa,
};

/** Checks a signature over `signingInput` with a key already matched to `spec`. */
export function verifySignature(
  spec: AlgorithmSpec,
  key: KeyObject,
  signingInput: string,
  signature: Buffer,
): boolean {
  if (spec.signatureLength !== undefined && signature.length !== spec.signatureLength) {
    return false;
  }
  const data = Buffer.from(signingInput, 'latin1');
  if (spec.kty === 'RSA') {
    return verify(
      spec.hash,
      data,
      { key, padding: spec.padding, saltLength: spec.saltLength },
      signature,
    );
  }
  if (spec.kty === 'EC') {
    return verify(spec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
  }
  return verify(null, data, key, signature);
}
