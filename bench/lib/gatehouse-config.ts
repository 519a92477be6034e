import { AuthorizerConfig, KeyCacheConfig, OperationConfig } from '../../lambda/policy/config';
import { BENCH_API, BENCH_METHOD, BENCH_RESOURCE } from './events';
import { AUDIENCE, ISSUER, REQUIRED_ROLE, ROLE_CLAIM } from './tokens';

/**
 * Returns the compiled policy our authorizer reads: one JWT validator for the benchmark
 * issuer and audience, and an API whose operations require the benchmark role. With
 * `operations` above 1, the API gets that many operations under one authorizer, so a decision
 * also evaluates the others for the returned policy. Key cache settings are the
 * `JwtValidator` defaults, except those given in `keyCache`.
 */
export function gatehouseConfig(
  jwksUrl: string,
  operations = 1,
  keyCache: Partial<KeyCacheConfig> = {},
): AuthorizerConfig {
  const ops: OperationConfig[] = [];
  for (let index = 0; index < operations; index++) {
    ops.push({
      method: BENCH_METHOD,
      path: index === 0 ? BENCH_RESOURCE : `/orders/{orderId}/items${index}`,
      authorizer: 'bearer',
      access: {
        kind: 'jwt',
        validator: 'bench',
        claims: [{ claim: ROLE_CLAIM, values: [REQUIRED_ROLE], match: 'all' }],
      },
    });
  }
  return {
    version: 1,
    gateway: 'Bench/Gateway',
    jwtValidators: {
      bench: {
        issuers: [{ kind: 'exact', issuer: ISSUER }],
        audiences: [AUDIENCE],
        algorithms: ['RS256', 'ES256'],
        keys: { kind: 'jwks', url: jwksUrl },
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
          ...keyCache,
        },
      },
    },
    apis: { [BENCH_API]: { name: 'Bench/Orders', operations: ops } },
  };
}
