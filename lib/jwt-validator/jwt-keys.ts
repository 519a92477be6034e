import { KeyObject, X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { IConstruct } from 'constructs';
import { KeySourceConfig } from '../../lambda/policy/config';
import { GatehouseValidationError } from '../core/errors';
import { checkHttpsUrl } from './checks';

/** Key types the authorizer can verify; symmetric (`oct`) keys are never accepted. */
const PUBLIC_KEY_TYPES = new Set(['rsa', 'rsa-pss', 'ec', 'ed25519']);

/** Private JWK members; a JWK that carries any of them is a private or symmetric key. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Options for a key given in code. */
export interface InlineKeyOptions {
  /**
   * Key id that tokens name in their `kid` header.
   *
   * @default - the JWK's own `kid`; without one, the key matches tokens that carry no `kid`
   */
  readonly kid?: string;
}

/**
 * Where a validator finds the public keys that sign tokens. Remote keys are fetched by the
 * authorizer at run time; inline keys are converted to JWK at synth time.
 *
 * @example
 * JwtKeys.fromDiscovery('https://login.example.com/.well-known/openid-configuration');
 */
export abstract class JwtKeys {
  /** Reads `jwks_uri` from an OpenID Connect discovery document at run time. */
  public static fromDiscovery(url: string): JwtKeys {
    return new RemoteKeys('discovery', url);
  }

  /** Fetches a JSON Web Key Set from this URL at run time. */
  public static fromJwksUrl(url: string): JwtKeys {
    return new RemoteKeys('jwks', url);
  }

  /** Uses public JWKs given in code; private and symmetric keys are rejected. */
  public static fromJwk(...jwks: Record<string, unknown>[]): JwtKeys {
    return new InlineKeys(() => jwks.map((jwk, index) => jwkToPublic(jwk, index)));
  }

  /** Uses a PEM `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY`; private keys are rejected. */
  public static fromPem(pem: string, options: InlineKeyOptions = {}): JwtKeys {
    return new InlineKeys(() => [withKid(toJwk(pemToPublicKey(pem), 'PEM key'), options.kid)]);
  }

  /** Uses the public key of a PEM X.509 certificate. */
  public static fromCertificate(pem: string, options: InlineKeyOptions = {}): JwtKeys {
    return new InlineKeys(() => [withKid(toJwk(certificateKey(pem), 'certificate'), options.kid)]);
  }

  /**
   * Checks the key source and returns it in the authorizer's config format.
   * @internal
   */
  public abstract _bind(scope: IConstruct): KeySourceConfig;
}

class RemoteKeys extends JwtKeys {
  constructor(
    private readonly kind: 'discovery' | 'jwks',
    private readonly url: string,
  ) {
    super();
  }

  public _bind(scope: IConstruct): KeySourceConfig {
    const method = this.kind === 'discovery' ? 'fromDiscovery' : 'fromJwksUrl';
    checkHttpsUrl(this.url, `keys (JwtKeys.${method})`, scope);
    return { kind: this.kind, url: this.url };
  }
}

class InlineKeys extends JwtKeys {
  constructor(private readonly convert: () => Record<string, unknown>[]) {
    super();
  }

  public _bind(scope: IConstruct): KeySourceConfig {
    try {
      const keys = this.convert();
      if (keys.length === 0) {
        throw new InlineKeyError('JwtKeys.fromJwk() needs at least one key, got none');
      }
      return { kind: 'inline', keys };
    } catch (error) {
      if (error instanceof InlineKeyError) {
        throw new GatehouseValidationError('InvalidJwtKey', `keys: ${error.message}`, scope);
      }
      throw error;
    }
  }
}

/** A problem with a key given in code; `InlineKeys` adds the construct and the code. */
class InlineKeyError extends Error {}

function jwkToPublic(jwk: Record<string, unknown>, index: number): Record<string, unknown> {
  const label = `JWK at index ${index}`;
  if (jwk.kty === 'oct') {
    throw new InlineKeyError(`${label} is a symmetric (oct) key; only public keys are allowed`);
  }
  const privateMembers = PRIVATE_JWK_MEMBERS.filter((member) => member in jwk);
  if (privateMembers.length > 0) {
    throw new InlineKeyError(
      `${label} contains private key members (${privateMembers.join(', ')}); give the public key only`,
    );
  }

  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch (error) {
    throw new InlineKeyError(`${label} is not a valid public JWK: ${(error as Error).message}`);
  }
  const converted = toJwk(key, label);
  for (const member of ['kid', 'alg', 'use'] as const) {
    if (typeof jwk[member] === 'string') {
      converted[member] = jwk[member];
    }
  }
  return converted;
}

function pemToPublicKey(pem: string): KeyObject {
  // createPublicKey() would quietly derive a public key from a private one, so a private
  // key is detected first and rejected: it must never end up in a template or asset.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem) || isPrivateKey(pem)) {
    throw new InlineKeyError('PEM key is a private key; give the public key only');
  }
  try {
    return createPublicKey(pem);
  } catch (error) {
    throw new InlineKeyError(
      `PEM key is not a valid PUBLIC KEY or RSA PUBLIC KEY: ${(error as Error).message}`,
    );
  }
}

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

function certificateKey(pem: string): KeyObject {
  try {
    return new X509Certificate(pem).publicKey;
  } catch (error) {
    throw new InlineKeyError(
      `certificate is not a valid PEM X.509 certificate: ${(error as Error).message}`,
    );
  }
}

function toJwk(key: KeyObject, label: string): Record<string, unknown> {
  const type = key.asymmetricKeyType ?? 'unknown';
  if (!PUBLIC_KEY_TYPES.has(type)) {
    throw new InlineKeyError(
      `${label} has key type ${type}; allowed types are ${[...PUBLIC_KEY_TYPES].join(', ')}`,
    );
  }
  try {
    return key.export({ format: 'jwk' }) as Record<string, unknown>;
  } catch (error) {
    throw new InlineKeyError(`${label} cannot be converted to a JWK: ${(error as Error).message}`);
  }
}

function withKid(jwk: Record<string, unknown>, kid: string | undefined): Record<string, unknown> {
  return kid === undefined ? jwk : { ...jwk, kid };
}
