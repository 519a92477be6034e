/**
 * Compiled policies for the hot-path benchmark: one API with one operation whose access
 * requirement is the path measured, and the token broker's config for the broker cache hit.
 * Every builder returns what the constructs would write as `config.json`.
 */
import type {
  AccessRequirement,
  AuthorizerConfig,
  BackendCredentialConfig,
  CertificateRevocationConfig,
  JwtValidatorConfig,
} from '../../lambda/policy/config';
import type { TokenBrokerConfig } from '../../lambda/token-broker/config';
import type { ProductCatalog } from '../../lambda/subscriptions/catalog';
import { BENCH_API, BENCH_METHOD, BENCH_RESOURCE } from './events';
import { AUDIENCE, ISSUER, REQUIRED_ROLE, ROLE_CLAIM } from './tokens';

/** Environment variable of the authorizer that contains the registry's table name. */
export const SUBSCRIPTION_TABLE_VARIABLE = 'BENCH_SUBSCRIPTION_TABLE';
/** Header that carries the subscription key. */
export const SUBSCRIPTION_HEADER = 'x-api-key';
/** The one product of the benchmark registry; it covers the benchmark API. */
export const BENCH_PRODUCT = 'bench';
/** Product catalog the registry's subscriptions are created under. */
export const BENCH_CATALOG: ProductCatalog = {
  apis: [BENCH_API],
  products: {
    [BENCH_PRODUCT]: {
      usagePlanId: 'plan-bench',
      apis: [BENCH_API],
      subscriptionRequired: true,
      approvalRequired: false,
      published: true,
    },
  },
};

/** DNS name every allowed client certificate carries, and the consumer id it maps to. */
export const CLIENT_DNS_NAME = 'device.partner.bench.example';
export const CLIENT_CONSUMER_ID = 'bench-partner';

/** Token broker connection the backend credential comes from, and its context key. */
export const BROKER_CONNECTION = 'orders-backend';
export const BACKEND_CONTEXT_KEY = 'backendAuthorization';
/** Environment variable of the broker that contains the ARN of the client secret. */
export const BROKER_SECRET_VARIABLE = 'BENCH_BROKER_CLIENT_SECRET_ARN';
export const BROKER_SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bench-AbCdEf';
export const BROKER_FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:123456789012:function:bench-broker';
/** Lifetime of the onward token the local token endpoint issues, in seconds. */
export const ONWARD_TOKEN_LIFETIME_SECONDS = 3600;

const VALIDATOR = 'bench';

/** Returns a JWT validator for the benchmark issuer with the given public keys inline. */
export function inlineJwtValidator(keys: readonly Record<string, unknown>[]): JwtValidatorConfig {
  return {
    issuers: [{ kind: 'exact', issuer: ISSUER }],
    audiences: [AUDIENCE],
    algorithms: ['RS256', 'ES256'],
    keys: { kind: 'inline', keys },
    clockSkewSeconds: 60,
    requireExpiry: true,
    tokenSources: [{ in: 'header', name: 'Authorization', scheme: 'Bearer' }],
    claims: [],
    forwardClaims: [],
    keyCache: {
      fetchTimeoutMs: 3000,
      refetchCooldownSeconds: 5,
      maxAgeSeconds: 15 * 60,
      maxStaleSeconds: 60 * 60,
    },
  };
}

/** Returns the JWT requirement of the warm benchmark: its validator and the role claim. */
export function jwtRequirement(): AccessRequirement {
  return {
    kind: 'jwt',
    validator: VALIDATOR,
    claims: [{ claim: ROLE_CLAIM, values: [REQUIRED_ROLE], match: 'all' }],
  };
}

interface SingleOperationOptions {
  readonly access: AccessRequirement;
  readonly jwtKeys?: readonly Record<string, unknown>[];
  readonly backendCredential?: BackendCredentialConfig;
  readonly lookupCacheSeconds?: number;
}

/** Returns a config with one operation guarded by `access`, and what that requirement needs. */
export function singleOperationConfig(options: SingleOperationOptions): AuthorizerConfig {
  return {
    version: 1,
    gateway: 'Bench/Gateway',
    jwtValidators: options.jwtKeys ? { [VALIDATOR]: inlineJwtValidator(options.jwtKeys) } : {},
    ...(options.lookupCacheSeconds === undefined
      ? {}
      : {
          subscriptionRegistries: {
            [BENCH_PRODUCT]: {
              tableNameVariable: SUBSCRIPTION_TABLE_VARIABLE,
              lookupCacheSeconds: options.lookupCacheSeconds,
              products: { [BENCH_PRODUCT]: [BENCH_API] },
            },
          },
        }),
    apis: {
      [BENCH_API]: {
        name: 'Bench/Orders',
        operations: [
          {
            method: BENCH_METHOD,
            path: BENCH_RESOURCE,
            authorizer: 'bench',
            access: options.access,
            ...(options.backendCredential ? { backendCredential: options.backendCredential } : {}),
          },
        ],
      },
    },
  };
}

/**
 * Returns a config whose operation requires a subscription key in `x-api-key`. A
 * `lookupCacheSeconds` of 0 makes every decision read the registry.
 */
export function subscriptionKeyConfig(lookupCacheSeconds: number): AuthorizerConfig {
  return singleOperationConfig({
    access: {
      kind: 'subscriptionKey',
      registry: BENCH_PRODUCT,
      header: SUBSCRIPTION_HEADER,
      optional: false,
    },
    lookupCacheSeconds,
  });
}

/** Returns a config whose operation requires the JWT of the warm benchmark, keys inline. */
export function jwtOnlyConfig(jwtKeys: readonly Record<string, unknown>[]): AuthorizerConfig {
  return singleOperationConfig({ access: jwtRequirement(), jwtKeys });
}

/** Returns a config whose operation is open to anyone, which times the handler alone. */
export function anonymousConfig(): AuthorizerConfig {
  return singleOperationConfig({ access: { kind: 'anonymous' } });
}

/**
 * Returns a config whose operation requires a client certificate issued by `authorityPem`
 * and carrying the benchmark DNS name. With `crls`, those DER CRLs in base64 are shipped and
 * required; nothing is fetched.
 */
export function clientCertificateConfig(
  authorityPem: string,
  crls?: readonly string[],
): AuthorizerConfig {
  const revocation: CertificateRevocationConfig = crls
    ? {
        mode: 'crl',
        crls,
        fetchDistributionPoints: false,
        fetchTimeoutMs: 1000,
        cacheSeconds: 300,
        requireCrl: true,
        failOpen: false,
      }
    : { mode: 'none' };
  return singleOperationConfig({
    access: {
      kind: 'clientCertificate',
      identities: [{ dnsName: CLIENT_DNS_NAME, consumerId: CLIENT_CONSUMER_ID }],
      certificateAuthorities: [authorityPem],
      revocation,
    },
  });
}

/**
 * Returns a config whose operation requires the JWT of the warm benchmark and sends the
 * backend a credential from the token broker. The connection uses the gateway's own client
 * credentials, so one cached credential serves every caller.
 */
export function backendCredentialConfig(
  jwtKeys: readonly Record<string, unknown>[],
): AuthorizerConfig {
  const credential: BackendCredentialConfig = {
    connection: BROKER_CONNECTION,
    contextKey: BACKEND_CONTEXT_KEY,
    brokerTimeoutMs: 3000,
  };
  return singleOperationConfig({
    access: { kind: 'allOf', of: [jwtRequirement(), { kind: 'backendCredential', ...credential }] },
    jwtKeys,
    backendCredential: credential,
  });
}

/** Returns the broker's config: one client credentials connection to `tokenEndpoint`. */
export function tokenBrokerConfig(tokenEndpoint: string): TokenBrokerConfig {
  return {
    version: 1,
    connections: {
      [BROKER_CONNECTION]: {
        kind: 'clientCredentials',
        tokenEndpoint,
        clientId: 'bench-gateway',
        clientAuthentication: {
          method: 'client_secret_basic',
          secretArnVariable: BROKER_SECRET_VARIABLE,
        },
        scope: 'orders.read',
      },
    },
    cache: {
      expiryMarginSeconds: 60,
      defaultLifetimeSeconds: 300,
      maxLifetimeSeconds: 3600,
      failureBackoffSeconds: 5,
      maxFailureBackoffSeconds: 60,
    },
    requestTimeoutMs: 2000,
    secretRefreshSeconds: 300,
  };
}
