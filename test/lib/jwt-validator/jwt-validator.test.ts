import { Duration } from 'aws-cdk-lib';
import { JwsAlgorithm } from '../../../lambda/policy/config';
import { JwtKeys } from '../../../lib/jwt-validator/jwt-keys';
import { ASYMMETRIC_ALGORITHMS } from '../../../lib/jwt-validator/jwt-validator';
import { TokenSource } from '../../../lib/jwt-validator/token-source';
import { AUDIENCE, DISCOVERY_URL, ISSUER, newStack, newValidator, thrownBy } from '../helpers';

describe('JwtValidator', () => {
  test('compiles minimal props with secure defaults', () => {
    const stack = newStack();

    const config = newValidator(stack)._compile();

    expect(config.issuers).toEqual([{ kind: 'exact', issuer: ISSUER }]);
    expect(config.audiences).toEqual([AUDIENCE]);
    expect(config.keys).toEqual({ kind: 'discovery', url: DISCOVERY_URL });
    expect(config.algorithms).toEqual(ASYMMETRIC_ALGORITHMS);
    expect(config.clockSkewSeconds).toBe(60);
    expect(config.requireExpiry).toBe(true);
    expect(config.maxTokenAgeSeconds).toBeUndefined();
    expect(config.tokenSources).toEqual([
      { in: 'header', name: 'Authorization', scheme: 'Bearer' },
    ]);
    expect(config.claims).toEqual([]);
    expect(config.forwardClaims).toEqual([]);
  });

  test('default key cache uses a 5 second refetch cooldown', () => {
    const stack = newStack();

    const keyCache = newValidator(stack)._compile().keyCache;

    expect(keyCache).toEqual({
      fetchTimeoutMs: 3000,
      refetchCooldownSeconds: 5,
      maxAgeSeconds: 900,
      maxStaleSeconds: 3600,
    });
  });

  test('compiles every optional prop', () => {
    const stack = newStack();

    const config = newValidator(stack, {
      issuerPattern: { template: 'https://login.example.com/{tenant}/v2.0', tenants: ['contoso'] },
      algorithms: ['ES256', 'ES256', 'EdDSA'],
      requiredClaims: [{ claim: 'scp', values: ['orders.read'], match: 'any' }],
      clockSkew: Duration.seconds(10),
      allowMissingExpiry: true,
      maxTokenAge: Duration.hours(2),
      tokenSources: [TokenSource.header('X-Token', null), TokenSource.query('access_token')],
      forwardClaims: [{ claim: 'realm_access.roles', header: 'X-Roles' }],
      keyCache: { fetchTimeout: Duration.seconds(1), maxStale: Duration.seconds(0) },
    })._compile();

    expect(config.issuers).toEqual([
      { kind: 'exact', issuer: ISSUER },
      {
        kind: 'pattern',
        template: 'https://login.example.com/{tenant}/v2.0',
        tenants: ['contoso'],
      },
    ]);
    expect(config.algorithms).toEqual(['ES256', 'EdDSA']);
    expect(config.claims).toEqual([{ claim: 'scp', values: ['orders.read'], match: 'any' }]);
    expect(config.clockSkewSeconds).toBe(10);
    expect(config.requireExpiry).toBe(false);
    expect(config.maxTokenAgeSeconds).toBe(7200);
    expect(config.tokenSources).toEqual([
      { in: 'header', name: 'X-Token', scheme: undefined },
      { in: 'query', name: 'access_token' },
    ]);
    expect(config.forwardClaims).toEqual([
      { claim: 'realm_access.roles', contextKey: 'claim_realm_access_roles' },
    ]);
    expect(config.keyCache.fetchTimeoutMs).toBe(1000);
    expect(config.keyCache.maxStaleSeconds).toBe(0);
  });

  test('allowAnyAudience compiles to a null audience list', () => {
    const stack = newStack();

    const config = newValidator(stack, { audiences: undefined, allowAnyAudience: true })._compile();

    expect(config.audiences).toBeNull();
  });

  test('single header source is a cacheable identity source', () => {
    const stack = newStack();

    const validator = newValidator(stack, { tokenSources: [TokenSource.header('X-Api-Token')] });

    expect(validator._identitySources()).toEqual(['method.request.header.X-Api-Token']);
  });

  test('query and cookie sources map to their identity sources', () => {
    const stack = newStack();

    const query = newValidator(stack, { tokenSources: [TokenSource.query('t')] }, 'Query');
    const cookie = newValidator(stack, { tokenSources: [TokenSource.cookie('session')] }, 'Cookie');

    expect(query._identitySources()).toEqual(['method.request.querystring.t']);
    expect(cookie._identitySources()).toEqual(['method.request.header.Cookie']);
  });

  test('several token sources make decisions uncacheable', () => {
    const stack = newStack();

    const validator = newValidator(stack, {
      tokenSources: [TokenSource.header(), TokenSource.cookie('session')],
    });

    expect(validator._identitySources()).toBeUndefined();
  });

  test('forwarded claims map headers to context keys', () => {
    const stack = newStack();

    const validator = newValidator(stack, {
      forwardClaims: [
        { claim: 'oid', header: 'X-Caller-Oid' },
        { claim: 'oid', header: 'X-Legacy-Oid' },
      ],
    });

    expect(validator._forwardedHeaders()).toEqual({
      'X-Caller-Oid': 'claim_oid',
      'X-Legacy-Oid': 'claim_oid',
    });
  });
});

describe('JwtValidator errors', () => {
  const cases: [string, () => void, string, string][] = [
    [
      'no issuer at all',
      () => newValidator(newStack(), { issuers: [] }),
      'MissingIssuer',
      'issuers or issuerPattern must name at least one issuer, got neither',
    ],
    [
      'plain http issuer',
      () => newValidator(newStack(), { issuers: ['http://login.example.com/'] }),
      'InsecureUrl',
      "issuers[0] must use https, got 'http://login.example.com/'",
    ],
    [
      'issuer that is not a URL',
      () => newValidator(newStack(), { issuers: ['login.example.com'] }),
      'InvalidUrl',
      "issuers[0] must be an absolute https URL, got 'login.example.com'",
    ],
    [
      'issuer with credentials',
      () => newValidator(newStack(), { issuers: ['https://user:pw@login.example.com/'] }),
      'InvalidUrl',
      'issuers[0] must not contain credentials, got a URL with a user name or password',
    ],
    [
      'pattern without placeholder',
      () =>
        newValidator(newStack(), {
          issuerPattern: { template: 'https://login.example.com/v2.0', tenants: ['a'] },
        }),
      'InvalidIssuerPattern',
      "issuerPattern.template must contain exactly one {tenant} placeholder, got 0 in 'https://login.example.com/v2.0'",
    ],
    [
      'pattern with two placeholders',
      () =>
        newValidator(newStack(), {
          issuerPattern: { template: 'https://{tenant}.example.com/{tenant}', tenants: ['a'] },
        }),
      'InvalidIssuerPattern',
      "issuerPattern.template must contain exactly one {tenant} placeholder, got 2 in 'https://{tenant}.example.com/{tenant}'",
    ],
    [
      'plain http pattern',
      () =>
        newValidator(newStack(), {
          issuerPattern: { template: 'http://login.example.com/{tenant}', tenants: ['a'] },
        }),
      'InsecureUrl',
      "issuerPattern.template must use https, got 'http://login.example.com/tenant'",
    ],
    [
      'pattern without tenants',
      () =>
        newValidator(newStack(), {
          issuerPattern: { template: 'https://login.example.com/{tenant}', tenants: [] },
        }),
      'InvalidIssuerPattern',
      'issuerPattern.tenants must list at least one tenant, got none',
    ],
    [
      'tenant containing a slash',
      () =>
        newValidator(newStack(), {
          issuerPattern: { template: 'https://login.example.com/{tenant}', tenants: ['a/b'] },
        }),
      'InvalidIssuerPattern',
      "issuerPattern.tenants entries must be tenant ids of letters, digits, '.', '_' and '-', got 'a/b'",
    ],
    [
      'neither audiences nor allowAnyAudience',
      () => newValidator(newStack(), { audiences: undefined }),
      'MissingAudience',
      'audiences must list at least one audience, or allowAnyAudience must be true, got neither',
    ],
    [
      'empty audiences list',
      () => newValidator(newStack(), { audiences: [] }),
      'MissingAudience',
      'audiences must list at least one audience, or allowAnyAudience must be true, got neither',
    ],
    [
      'both audiences and allowAnyAudience',
      () => newValidator(newStack(), { allowAnyAudience: true }),
      'ConflictingAudience',
      'audiences and allowAnyAudience exclude each other, got both (1 audiences)',
    ],
    [
      'blank audience',
      () => newValidator(newStack(), { audiences: [' '] }),
      'EmptyValue',
      "audiences[0] must not be empty, got ' '",
    ],
    [
      'empty algorithm list',
      () => newValidator(newStack(), { algorithms: [] }),
      'InvalidAlgorithm',
      'algorithms must list at least one algorithm, got none',
    ],
    [
      'clock skew over 5 minutes',
      () => newValidator(newStack(), { clockSkew: Duration.minutes(6) }),
      'ClockSkewTooLarge',
      'clockSkew must be at most 5 minutes, got 360 seconds',
    ],
    [
      'max token age under a second',
      () => newValidator(newStack(), { maxTokenAge: Duration.seconds(0) }),
      'InvalidMaxTokenAge',
      'maxTokenAge must be at least 1 second, got 0 seconds',
    ],
    [
      'fractional max token age',
      () => newValidator(newStack(), { maxTokenAge: Duration.millis(1500) }),
      'InvalidDuration',
      'maxTokenAge must be a whole number of seconds, got 1.5 seconds',
    ],
    [
      'fractional clock skew',
      () => newValidator(newStack(), { clockSkew: Duration.millis(500) }),
      'InvalidDuration',
      'clockSkew must be a whole number of seconds, got 0.5 seconds',
    ],
    [
      'empty token sources',
      () => newValidator(newStack(), { tokenSources: [] }),
      'InvalidTokenSource',
      'tokenSources must list at least one source, got none',
    ],
    [
      'header name with a space',
      () => newValidator(newStack(), { tokenSources: [TokenSource.header('X Token')] }),
      'InvalidName',
      "tokenSources[0] header name must be a non-empty name of letters, digits and !#$%&'*+.^_`|~-, got 'X Token'",
    ],
    [
      'scheme with a space',
      () =>
        newValidator(newStack(), {
          tokenSources: [TokenSource.header('Authorization', 'Bearer x')],
        }),
      'InvalidTokenSource',
      "tokenSources[0] scheme must be an auth scheme such as 'Bearer', got 'Bearer x'",
    ],
    [
      'empty cookie name',
      () => newValidator(newStack(), { tokenSources: [TokenSource.cookie('')] }),
      'InvalidName',
      "tokenSources[0] cookie name must be a non-empty name of letters, digits and !#$%&'*+.^_`|~-, got ''",
    ],
    [
      'claim forwarded into Authorization',
      () =>
        newValidator(newStack(), { forwardClaims: [{ claim: 'sub', header: 'Authorization' }] }),
      'InvalidForwardedClaim',
      "forwardClaims[0].header must be a header no other claim or the gateway sets, got 'Authorization'",
    ],
    [
      'two claims forwarded into one header',
      () =>
        newValidator(newStack(), {
          forwardClaims: [
            { claim: 'sub', header: 'X-Caller' },
            { claim: 'oid', header: 'x-caller' },
          ],
        }),
      'InvalidForwardedClaim',
      "forwardClaims[1].header must be a header no other claim or the gateway sets, got 'x-caller'",
    ],
    [
      'blank forwarded claim',
      () => newValidator(newStack(), { forwardClaims: [{ claim: '', header: 'X-Caller' }] }),
      'EmptyValue',
      "forwardClaims[0].claim must not be empty, got ''",
    ],
    [
      'required claim without values',
      () => newValidator(newStack(), { requiredClaims: [{ claim: 'roles', values: [] }] }),
      'InvalidRequiredClaim',
      "requiredClaims[].values for claim 'roles' must list at least one value, got none",
    ],
    [
      'fetch timeout over 10 seconds',
      () => newValidator(newStack(), { keyCache: { fetchTimeout: Duration.seconds(11) } }),
      'InvalidKeyCache',
      'keyCache.fetchTimeout must be between 0.1 and 10 seconds, got 11 seconds',
    ],
    [
      'refetch cooldown under a second',
      () => newValidator(newStack(), { keyCache: { refetchCooldown: Duration.seconds(0) } }),
      'InvalidKeyCache',
      'keyCache.refetchCooldown must be between 1 and 3600 seconds, got 0 seconds',
    ],
    [
      'key max age under a minute',
      () => newValidator(newStack(), { keyCache: { maxAge: Duration.seconds(30) } }),
      'InvalidKeyCache',
      'keyCache.maxAge must be between 60 and 86400 seconds, got 30 seconds',
    ],
    [
      'plain http discovery URL',
      () => newValidator(newStack(), { keys: JwtKeys.fromDiscovery('http://login.example.com/x') }),
      'InsecureUrl',
      "keys (JwtKeys.fromDiscovery) must use https, got 'http://login.example.com/x'",
    ],
    [
      'plain http JWKS URL',
      () =>
        newValidator(newStack(), { keys: JwtKeys.fromJwksUrl('http://login.example.com/keys') }),
      'InsecureUrl',
      "keys (JwtKeys.fromJwksUrl) must use https, got 'http://login.example.com/keys'",
    ],
  ];

  test.each(cases)('rejects %s', (_name, action, code, message) => {
    const error = thrownBy(action);

    expect(error.code).toBe(code);
    expect(error.message).toBe(`${message} (at Test/Sso)`);
  });

  test.each(['none', 'HS256', 'HS512', 'RSA-OAEP'])('rejects algorithm %s', (algorithm) => {
    const error = thrownBy(() =>
      newValidator(newStack(), { algorithms: ['RS256', algorithm as JwsAlgorithm] }),
    );

    expect(error.code).toBe('InvalidAlgorithm');
    expect(error.message).toContain(`got '${algorithm}'`);
  });
});
