/**
 * The token broker's configuration: written by the `TokenBroker` construct at synth time as
 * `config.json` beside the broker bundle. Secrets are referenced by ARN, never inlined.
 */

export const TOKEN_BROKER_CONFIG_VERSION = 1;

export interface TokenBrokerConfig {
  readonly version: typeof TOKEN_BROKER_CONFIG_VERSION;
  /** Connections by id; the authorizer names one in each request. */
  readonly connections: Readonly<Record<string, ConnectionConfig>>;
  readonly cache: CachePolicyConfig;
  /** Timeout of one token endpoint request. */
  readonly requestTimeoutMs: number;
  /** How long a fetched secret is used before it is read again, so rotations take effect. */
  readonly secretRefreshSeconds: number;
}

export interface CachePolicyConfig {
  /** A credential stops being handed out this many seconds before it expires. */
  readonly expiryMarginSeconds: number;
  /** Lifetime assumed when a token response has no `expires_in`. */
  readonly defaultLifetimeSeconds: number;
  /** Upper bound on any lifetime, whatever `expires_in` states. */
  readonly maxLifetimeSeconds: number;
  /** First wait after a failed fetch; it doubles on each further failure. */
  readonly failureBackoffSeconds: number;
  /** Maximum wait after repeated failures. */
  readonly maxFailureBackoffSeconds: number;
}

export type ConnectionConfig = BasicConnectionConfig | OAuthConnectionConfig;

/**
 * A fixed user id and password from a secret `{"username": "...", "password": "..."}`.
 * Secret ARNs are known only at deploy time, so the config names the environment variable
 * of the broker function that contains each ARN.
 */
export interface BasicConnectionConfig {
  readonly kind: 'basic';
  readonly secretArnVariable: string;
}

/** OAuth 2.0 client credentials (RFC 6749 4.4) or token exchange (RFC 8693). */
export interface OAuthConnectionConfig {
  readonly kind: 'clientCredentials' | 'tokenExchange';
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientAuthentication: ClientAuthenticationConfig;
  /** Space-separated scopes to request; absent to let the provider choose. */
  readonly scope?: string;
  /** RFC 8693 `audience` parameter. */
  readonly audience?: string;
  /** RFC 8707 `resource` parameter. */
  readonly resource?: string;
}

export type ClientAuthenticationConfig =
  | {
      readonly method: 'client_secret_basic' | 'client_secret_post';
      /** Variable that contains the ARN of the secret whose string value is the client secret. */
      readonly secretArnVariable: string;
    }
  | {
      readonly method: 'private_key_jwt';
      /** Variable that contains the ARN of a secret with a PKCS #8 PEM key or private JWK. */
      readonly secretArnVariable: string;
      readonly algorithm: 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
      /** `kid` header of the client assertion, when the provider needs one. */
      readonly keyId?: string;
    };

/** What the authorizer sends in a Lambda Invoke. */
export interface BrokerRequest {
  readonly connection: string;
  /** The caller's validated token, for token exchange connections only. */
  readonly subjectToken?: string;
}

export type BrokerResponse =
  | {
      readonly ok: true;
      /** Complete header value, such as `Bearer eyJ...` or `Basic YWxp...`. */
      readonly headerValue: string;
      /**
       * Seconds since the epoch after which the value must no longer be sent; the broker has
       * already subtracted its expiry margin.
       */
      readonly validUntil: number;
    }
  | { readonly ok: false; readonly code: string };
