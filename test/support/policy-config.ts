import type {
  AccessRequirement,
  AuthorizerConfig,
  JwtValidatorConfig,
  OperationConfig,
} from '../../lambda/policy/config';

/** A validator config with the defaults the constructs write, and `overrides` on top. */
export function jwtValidatorConfig(
  issuer: string,
  keys: JwtValidatorConfig['keys'],
  overrides: Partial<JwtValidatorConfig> = {},
): JwtValidatorConfig {
  return {
    issuers: [{ kind: 'exact', issuer }],
    audiences: ['api://orders'],
    algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    keys,
    clockSkewSeconds: 60,
    requireExpiry: true,
    tokenSources: [{ in: 'header', name: 'Authorization', scheme: 'Bearer' }],
    claims: [],
    forwardClaims: [],
    keyCache: {
      fetchTimeoutMs: 1000,
      refetchCooldownSeconds: 5,
      maxAgeSeconds: 3600,
      maxStaleSeconds: 3600,
    },
    ...overrides,
  };
}

/** Shorthand for an operation on the default authorizer. */
export function operation(
  method: OperationConfig['method'],
  path: string,
  access: AccessRequirement,
  authorizer = 'jwt-default',
): OperationConfig {
  return { method, path, authorizer, access };
}

/** A `jwt` requirement on validator `main` with optional claim checks. */
export function jwtRequirement(claims: JwtClaimList = []): AccessRequirement {
  return { kind: 'jwt', validator: 'main', claims };
}

type JwtClaimList = { claim: string; values: string[]; match: 'all' | 'any' }[];

/** A config with one validator, `main`, and one API, `orders`, holding `operations`. */
export function authorizerConfig(
  validator: JwtValidatorConfig,
  operations: OperationConfig[],
): AuthorizerConfig {
  return {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: { main: validator },
    apis: { orders: { name: 'Test/Orders', operations } },
  };
}
