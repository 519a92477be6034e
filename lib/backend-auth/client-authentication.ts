import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { ClientAuthenticationConfig } from '../../lambda/token-broker/config';

/** Algorithms the broker signs `private_key_jwt` client assertions with. */
export type ClientAssertionAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export interface PrivateKeyJwtOptions {
  /**
   * Algorithm of the client assertion; it must suit the key in the secret.
   *
   * @default 'RS256'
   */
  readonly algorithm?: ClientAssertionAlgorithm;
  /**
   * `kid` header of the client assertion, for providers that pick the client's key by id.
   *
   * @default - no `kid` header; the provider tries each key registered for the client
   */
  readonly keyId?: string;
}

/**
 * Client authentication method of the gateway at a token endpoint (RFC 6749 section 2.3,
 * RFC 7523). The secret is read by the token broker only.
 */
export class ClientAuthentication {
  /**
   * Sends the client id and secret in an `Authorization: Basic` header, each form-encoded
   * first as RFC 6749 section 2.3.1 requires. The secret's string value is the client secret.
   */
  public static clientSecretBasic(clientSecret: secretsmanager.ISecret): ClientAuthentication {
    return new ClientAuthentication(clientSecret, (secretArnVariable) => ({
      method: 'client_secret_basic',
      secretArnVariable,
    }));
  }

  /** Sends the client id and secret as form parameters of the token request. */
  public static clientSecretPost(clientSecret: secretsmanager.ISecret): ClientAuthentication {
    return new ClientAuthentication(clientSecret, (secretArnVariable) => ({
      method: 'client_secret_post',
      secretArnVariable,
    }));
  }

  /**
   * Signs a short-lived client assertion with a private key. The secret's string value is
   * a PKCS #8 PEM private key or a private JWK; the provider holds only the public key.
   */
  // NOTE: the broker signs with a key read from Secrets Manager; signing with KMS Sign, so the key never leaves KMS, is not built yet.
  public static privateKeyJwt(
    privateKey: secretsmanager.ISecret,
    options: PrivateKeyJwtOptions = {},
  ): ClientAuthentication {
    return new ClientAuthentication(privateKey, (secretArnVariable) => ({
      method: 'private_key_jwt',
      secretArnVariable,
      algorithm: options.algorithm ?? 'RS256',
      keyId: options.keyId,
    }));
  }

  private constructor(
    /** The secret the broker reads to authenticate. */
    public readonly secret: secretsmanager.ISecret,
    private readonly compile: (secretArnVariable: string) => ClientAuthenticationConfig,
  ) {}

  /**
   * Returns the broker config of this method, given the broker's variable for the secret ARN.
   * @internal
   */
  public _compile(secretArnVariable: string): ClientAuthenticationConfig {
    return this.compile(secretArnVariable);
  }
}
