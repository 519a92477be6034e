/**
 * The compiled policy: written by the constructs at synth time as `config.json` beside the
 * authorizer bundle, read once by the authorizer at cold start. This file is the contract
 * between `lib/` and `lambda/`, so it imports nothing and every field is plain JSON.
 */

/** Format version; the authorizer rejects a config whose version it does not know. */
export const AUTHORIZER_CONFIG_VERSION = 1;

/** Stage variable that names the Gatehouse API a request belongs to. */
export const API_STAGE_VARIABLE = 'gatehouseApi';

export interface AuthorizerConfig {
  readonly version: typeof AUTHORIZER_CONFIG_VERSION;
  /** Construct path of the gateway, for log lines. */
  readonly gateway: string;
  /** JWT validators by id. */
  readonly jwtValidators: Readonly<Record<string, JwtValidatorConfig>>;
  /** APIs by the value of the `gatehouseApi` stage variable. */
  readonly apis: Readonly<Record<string, ApiConfig>>;
  /** Basic user stores by id; absent when no policy accepts Basic credentials. */
  readonly basicUserStores?: Readonly<Record<string, BasicUserStoreConfig>>;
  /** Subscription registries by id; absent when no policy reads subscription keys. */
  readonly subscriptionRegistries?: Readonly<Record<string, SubscriptionRegistryConfig>>;
}

export interface ApiConfig {
  /** Construct path of the API, for log lines and the report. */
  readonly name: string;
  readonly operations: readonly OperationConfig[];
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | 'ANY';

export interface OperationConfig {
  readonly method: HttpMethod;
  /** API Gateway resource path template, such as `/orders/{orderId}`. */
  readonly path: string;
  /**
   * Id of the API Gateway authorizer this operation uses. Operations that share an id share
   * identity sources and one result cache, so a returned policy lists only operations of
   * its own authorizer.
   */
  readonly authorizer: string;
  readonly access: AccessRequirement;
  /**
   * Credential the authorizer fetches from the token broker for this operation's backend, a
   * copy of the `backendCredential` requirement inside `access` for readers of the config.
   */
  readonly backendCredential?: BackendCredentialConfig;
}

/** The credentials a caller must present to reach an operation. */
export type AccessRequirement =
  | AnonymousRequirement
  | JwtRequirement
  | AllOfRequirement
  | AnyOfRequirement
  | BasicRequirement
  | BackendCredentialRequirement
  | SubscriptionKeyRequirement
  | ClientCertificateRequirement;

export interface AnonymousRequirement {
  readonly kind: 'anonymous';
}

export interface JwtRequirement {
  readonly kind: 'jwt';
  /** Key into `AuthorizerConfig.jwtValidators`. */
  readonly validator: string;
  /** Claim checks of this scope, on top of the validator's own; every entry must pass. */
  readonly claims: readonly ClaimCheckConfig[];
}

export interface AllOfRequirement {
  readonly kind: 'allOf';
  readonly of: readonly AccessRequirement[];
}

export interface AnyOfRequirement {
  readonly kind: 'anyOf';
  readonly of: readonly AccessRequirement[];
}

/** RFC 7617 Basic credentials checked against the salted hashes of a user store. */
export interface BasicRequirement {
  readonly kind: 'basic';
  /** Key into `AuthorizerConfig.basicUserStores`. */
  readonly userStore: string;
}

export interface BasicUserStoreConfig {
  /**
   * Environment variable of the authorizer that contains the ARN of the user store secret;
   * the ARN is known only at deploy time.
   */
  readonly secretArnVariable: string;
  /** Realm sent in `WWW-Authenticate: Basic realm="..."`. */
  readonly realm: string;
  /** How long the authorizer uses a fetched copy of the secret before fetching it again. */
  readonly refreshSeconds: number;
}

/**
 * A credential for the operation's backend, fetched from the token broker and passed in the
 * authorizer context. It passes whenever the broker returns one, and denies when it fails.
 */
export interface BackendCredentialRequirement extends BackendCredentialConfig {
  readonly kind: 'backendCredential';
}

/**
 * Where the authorizer gets a backend credential. The broker's ARN is known only at deploy
 * time, so it arrives in the authorizer's `GATEHOUSE_TOKEN_BROKER_ARN` environment variable.
 */
export interface BackendCredentialConfig {
  /** Connection id in the token broker's config. */
  readonly connection: string;
  /**
   * Key into `AuthorizerConfig.jwtValidators` whose validated token the broker exchanges
   * (RFC 8693); absent when the broker sends the gateway's own credential.
   */
  readonly subjectValidator?: string;
  /** Authorizer context key that carries the header value to the integration. */
  readonly contextKey: string;
  /** Timeout of one broker invocation. */
  readonly brokerTimeoutMs: number;
}

/**
 * Identity rules for the client certificate of a mutual TLS connection. API Gateway has
 * already checked the chain against the trust store; these checks come on top.
 */
export interface ClientCertificateRequirement {
  readonly kind: 'clientCertificate';
  /**
   * Allowed identities; the certificate passes when it matches any entry. `null` only after
   * an explicit `allowAnyIdentity`, when every certificate of the trust store passes.
   */
  readonly identities: readonly CertificateIdentityConfig[] | null;
  /** PEM certificates of the trust store; the certificate's issuer must be one of them. */
  readonly certificateAuthorities: readonly string[];
  readonly revocation: CertificateRevocationConfig;
}

/**
 * One allowed identity: every field present must match. Thumbprints are upper-case hex
 * without colons (40 digits for SHA-1, 64 for SHA-256); serial numbers are upper-case hex
 * without leading zeros; distinguished names are in the canonical form of
 * `lambda/policy/certificate/names.ts`.
 */
export interface CertificateIdentityConfig {
  readonly thumbprint?: string;
  readonly serialNumber?: string;
  readonly subject?: string;
  readonly commonName?: string;
  readonly dnsName?: string;
  readonly issuerSubject?: string;
  readonly issuerThumbprint?: string;
  /** Consumer id put in the authorizer context when this entry matches. */
  readonly consumerId?: string;
}

export type CertificateRevocationConfig =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'crl';
      /** DER CRLs in base64, shipped with the trust store. */
      readonly crls: readonly string[];
      /** Whether to fetch CRLs from the certificate's HTTP distribution points. */
      readonly fetchDistributionPoints: boolean;
      readonly fetchTimeoutMs: number;
      /** Maximum time a fetched CRL is used; a CRL's own `nextUpdate` may cut it shorter. */
      readonly cacheSeconds: number;
      /** Deny a certificate that no shipped or fetched CRL covers. */
      readonly requireCrl: boolean;
      /** Allow the request when a distribution point cannot be fetched. */
      readonly failOpen: boolean;
    };

/**
 * A subscription key that the registry lists, whose subscription is active and covers this
 * API. The authorizer hands the key to API Gateway as the usage identifier.
 */
export interface SubscriptionKeyRequirement {
  readonly kind: 'subscriptionKey';
  /** Key into `AuthorizerConfig.subscriptionRegistries`. */
  readonly registry: string;
  /** Header that carries the key, lower case; matched case-insensitively. */
  readonly header: string;
  /** Query parameter read only when the header is absent; absent means header only. */
  readonly queryParameter?: string;
  /**
   * When true, a request with no key passes with an empty grant, but a presented key must
   * still be valid. When false, a missing key is denied.
   */
  readonly optional: boolean;
}

/** Where the authorizer finds one subscription registry, and what its products cover. */
export interface SubscriptionRegistryConfig {
  /**
   * Environment variable of the authorizer function that contains the DynamoDB table name,
   * which is only known at deploy time.
   */
  readonly tableNameVariable: string;
  /** How long one instance reuses a registry lookup, found or not found. */
  readonly lookupCacheSeconds: number;
  /** Gatehouse API ids covered by each product, by product id. */
  readonly products: Readonly<Record<string, readonly string[]>>;
}

/**
 * One claim check. The claim may be a string, a space-separated string (`scope`), or an
 * array of strings (`roles`). It passes when it contains all, or any, of `values`.
 */
export interface ClaimCheckConfig {
  /** Claim name; a dot separates nested names, as in `realm_access.roles`. */
  readonly claim: string;
  readonly values: readonly string[];
  readonly match: 'all' | 'any';
}

export type JwsAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519';

export interface JwtValidatorConfig {
  /** Accepted issuers; a token matches when its `iss` matches any entry. */
  readonly issuers: readonly IssuerConfig[];
  /** Accepted audiences, any of which matches; `null` only after an explicit `allowAnyAudience`. */
  readonly audiences: readonly string[] | null;
  readonly algorithms: readonly JwsAlgorithm[];
  readonly keys: KeySourceConfig;
  readonly clockSkewSeconds: number;
  readonly requireExpiry: boolean;
  /** Oldest `iat` accepted, in seconds; absent means no age limit. */
  readonly maxTokenAgeSeconds?: number;
  /** Token locations, tried in order; the first source present is used. */
  readonly tokenSources: readonly TokenSourceConfig[];
  /** Claim checks every token of this validator must pass. */
  readonly claims: readonly ClaimCheckConfig[];
  /** Claims copied into the authorizer context, under `context.<contextKey>`. */
  readonly forwardClaims: readonly ForwardedClaimConfig[];
  readonly keyCache: KeyCacheConfig;
  /**
   * RFC 8705: the token's `cnf["x5t#S256"]` must equal the SHA-256 thumbprint of the client
   * certificate on the same connection. Absent in configs written before this field.
   */
  readonly requireCertificateBinding?: boolean;
}

export type IssuerConfig =
  | { readonly kind: 'exact'; readonly issuer: string }
  /**
   * A multi-tenant issuer: `template` contains one `{tenant}` placeholder, and only the listed
   * tenants are accepted.
   */
  | { readonly kind: 'pattern'; readonly template: string; readonly tenants: readonly string[] };

export type KeySourceConfig =
  | { readonly kind: 'discovery'; readonly url: string }
  | { readonly kind: 'jwks'; readonly url: string }
  /** Public keys given in code, already converted to JWK at synth time. */
  | { readonly kind: 'inline'; readonly keys: readonly Record<string, unknown>[] };

export type TokenSourceConfig =
  | { readonly in: 'header'; readonly name: string; readonly scheme?: string }
  | { readonly in: 'query'; readonly name: string }
  | { readonly in: 'cookie'; readonly name: string };

export interface ForwardedClaimConfig {
  readonly claim: string;
  readonly contextKey: string;
}

export interface KeyCacheConfig {
  /** Timeout of one JWKS or discovery request. */
  readonly fetchTimeoutMs: number;
  /** Shortest time between two fetches caused by unknown key ids. */
  readonly refetchCooldownSeconds: number;
  /** How long fetched keys are used before a background refresh is due. */
  readonly maxAgeSeconds: number;
  /** How long the last good keys keep working while the key source fails. */
  readonly maxStaleSeconds: number;
}
