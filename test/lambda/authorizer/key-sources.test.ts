import { randomUUID } from 'node:crypto';
import type { JwtValidatorConfig, KeyCacheConfig } from '../../../lambda/policy/config';
import { LoadedAuthorizer, invoke, loadAuthorizer } from '../../support/authorizer';
import { requestEvent } from '../../support/events';
import { JwksServer } from '../../support/jwks-server';
import { SigningKey, generateSigningKey, signJwt, standardClaims } from '../../support/jwt';
import {
  authorizerConfig,
  jwtRequirement,
  jwtValidatorConfig,
  operation,
} from '../../support/policy-config';

const AUDIENCE = 'api://orders';

let server: JwksServer;
let current: SigningKey;
const loaded: LoadedAuthorizer[] = [];

beforeEach(async () => {
  current = generateSigningKey('ES256');
  server = await JwksServer.start([current.jwk]);
});

afterEach(async () => {
  loaded.splice(0).forEach((authorizer) => authorizer.dispose());
  await server.close();
});

function authorizerWith(
  keys: JwtValidatorConfig['keys'],
  cache: Partial<KeyCacheConfig> = {},
  overrides: Partial<JwtValidatorConfig> = {},
): LoadedAuthorizer {
  const keyCache = {
    fetchTimeoutMs: 1000,
    refetchCooldownSeconds: 1,
    maxAgeSeconds: 3600,
    maxStaleSeconds: 3600,
    ...cache,
  };
  const validator = jwtValidatorConfig(server.baseUrl, keys, { keyCache, ...overrides });
  const authorizer = loadAuthorizer(
    authorizerConfig(validator, [operation('GET', '/orders', jwtRequirement())]),
  );
  loaded.push(authorizer);
  return authorizer;
}

function bearer(key: SigningKey, issuer = server.baseUrl) {
  const token = signJwt(key, standardClaims(issuer, AUDIENCE));
  return requestEvent({ headers: { Authorization: `Bearer ${token}` } });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits past a one-second cool-down, with room for a slow request. */
const pastCooldown = () => sleep(2100);

describe('bundled authorizer: key sources', () => {
  test('fetches the JWKS once and then serves from the cache', async () => {
    const authorizer = authorizerWith({ kind: 'jwks', url: server.jwksUrl });

    const calls = [];
    for (let i = 0; i < 5; i++) {
      calls.push(await invoke(authorizer, bearer(current)));
    }

    expect(calls.map((call) => call.outcome)).toEqual(Array(5).fill('allow'));
    expect(server.count('/jwks.json')).toBe(1);
  });

  test('shares one fetch among concurrent cold requests', async () => {
    const authorizer = authorizerWith({ kind: 'jwks', url: server.jwksUrl });

    const calls = await Promise.all(
      Array.from({ length: 8 }, () => invoke(authorizer, bearer(current))),
    );

    expect(calls.every((call) => call.outcome === 'allow')).toBe(true);
    expect(server.count('/jwks.json')).toBe(1);
  });

  test('unknown kid: one refetch, then deny without fetching', async () => {
    const authorizer = authorizerWith({ kind: 'jwks', url: server.jwksUrl });
    await invoke(authorizer, bearer(current));
    await pastCooldown();
    const stranger = generateSigningKey('ES256');

    const first = await invoke(authorizer, bearer(stranger));
    const second = await invoke(authorizer, bearer(stranger));

    expect(first.outcome).toBe('unauthorized');
    expect(first.log.code).toBe('KEY_NOT_FOUND');
    expect(second.log.code).toBe('KEY_NOT_FOUND');
    expect(server.count('/jwks.json')).toBe(2);
  });

  test('accepts a newly published key after the cool-down', async () => {
    const authorizer = authorizerWith({ kind: 'jwks', url: server.jwksUrl });
    await invoke(authorizer, bearer(current));
    const rotated = generateSigningKey('ES256');
    server.keys = [current.jwk, rotated.jwk];

    const early = await invoke(authorizer, bearer(rotated));
    await pastCooldown();
    const late = await invoke(authorizer, bearer(rotated));

    expect(early.outcome).toBe('unauthorized');
    expect(late.outcome).toBe('allow');
    expect(server.count('/jwks.json')).toBe(2);
  });

  test('cool-down is exact to the millisecond', async () => {
    const authorizer = authorizerWith(
      { kind: 'jwks', url: server.jwksUrl },
      { refetchCooldownSeconds: 5 },
    );
    // The first fetch is at x.999 s. Whole seconds would count 4.001 s later as 5 s and refetch.
    const start = Math.floor(Date.now() / 1000) * 1000 + 999;
    const clock = jest.spyOn(Date, 'now');
    try {
      clock.mockReturnValue(start);
      await invoke(authorizer, bearer(current));
      const rotated = generateSigningKey('ES256');
      server.keys = [current.jwk, rotated.jwk];

      clock.mockReturnValue(start + 4001);
      const early = await invoke(authorizer, bearer(rotated));
      const fetchesBeforeCooldown = server.count('/jwks.json');
      clock.mockReturnValue(start + 5000);
      const late = await invoke(authorizer, bearer(rotated));

      expect(early.log.code).toBe('KEY_NOT_FOUND');
      expect(fetchesBeforeCooldown).toBe(1);
      expect(late.outcome).toBe('allow');
      expect(server.count('/jwks.json')).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  test('a flood of random kids costs one fetch per cool-down', async () => {
    const authorizer = authorizerWith(
      { kind: 'jwks', url: server.jwksUrl },
      { refetchCooldownSeconds: 60 },
    );
    await invoke(authorizer, bearer(current));
    const strangers = Array.from({ length: 3 }, () => generateSigningKey('ES256'));

    const calls = [];
    for (let i = 0; i < 200; i++) {
      const key = { ...strangers[i % strangers.length], kid: randomUUID() };
      calls.push(await invoke(authorizer, bearer(key)));
    }

    expect(calls.every((call) => call.log.code === 'KEY_NOT_FOUND')).toBe(true);
    expect(server.count('/jwks.json')).toBe(1);
  });

  test('keeps using cached keys while the JWKS server is down', async () => {
    const authorizer = authorizerWith({ kind: 'jwks', url: server.jwksUrl }, { maxAgeSeconds: 1 });
    await invoke(authorizer, bearer(current));
    server.mode = 'down';
    await pastCooldown();

    const call = await invoke(authorizer, bearer(current));

    expect(call.outcome).toBe('allow');
  });

  test('stops using cached keys once they are older than maxStaleSeconds', async () => {
    const authorizer = authorizerWith(
      { kind: 'jwks', url: server.jwksUrl },
      { maxAgeSeconds: 1, maxStaleSeconds: 1 },
    );
    await invoke(authorizer, bearer(current));
    server.mode = 'down';
    await sleep(3100);

    const call = await invoke(authorizer, bearer(current));

    expect(call.outcome).toBe('unauthorized');
    expect(call.log.code).toBe('KEYS_UNAVAILABLE');
  });

  test('refreshes keys older than maxAgeSeconds', async () => {
    const authorizer = authorizerWith({ kind: 'jwks', url: server.jwksUrl }, { maxAgeSeconds: 1 });
    await invoke(authorizer, bearer(current));
    await pastCooldown();

    await invoke(authorizer, bearer(current));
    await sleep(50);

    expect(server.count('/jwks.json')).toBe(2);
  });

  test.each([
    ['down', 'request to'],
    ['error', 'returned status 500'],
    ['garbage', 'is not JSON'],
    ['oversized', 'larger than'],
    ['oversized-chunked', 'larger than'],
    ['hang', 'timed out after 300 ms'],
  ] as const)('denies from a cold start when the JWKS server is %s', async (mode, reason) => {
    const authorizer = authorizerWith(
      { kind: 'jwks', url: server.jwksUrl },
      { fetchTimeoutMs: 300 },
    );
    server.mode = mode;

    const call = await invoke(authorizer, bearer(current));

    expect(call.outcome).toBe('unauthorized');
    expect(call.log.code).toBe('KEYS_UNAVAILABLE');
    expect(call.log.reason).toContain(reason);
    expect(call.log.reason).toContain(server.jwksUrl);
  });

  test('waits for the cool-down before retrying a failed fetch', async () => {
    const authorizer = authorizerWith(
      { kind: 'jwks', url: server.jwksUrl },
      { refetchCooldownSeconds: 60 },
    );
    server.mode = 'error';
    await invoke(authorizer, bearer(current));
    server.mode = 'ok';

    const call = await invoke(authorizer, bearer(current));

    expect(call.log.code).toBe('KEYS_UNAVAILABLE');
    expect(server.count('/jwks.json')).toBe(1);
  });

  test('recovers after an outage at cold start', async () => {
    const authorizer = authorizerWith({ kind: 'jwks', url: server.jwksUrl });
    server.mode = 'down';
    await invoke(authorizer, bearer(current));
    server.mode = 'ok';
    await pastCooldown();

    const call = await invoke(authorizer, bearer(current));

    expect(call.outcome).toBe('allow');
  });

  describe('discovery', () => {
    test('reads jwks_uri from the discovery document', async () => {
      const authorizer = authorizerWith({ kind: 'discovery', url: server.discoveryUrl });

      const call = await invoke(authorizer, bearer(current));

      expect(call.outcome).toBe('allow');
      expect(server.count('/.well-known/openid-configuration')).toBe(1);
      expect(server.count('/jwks.json')).toBe(1);
    });

    test('denies when the discovery issuer is not configured', async () => {
      const authorizer = authorizerWith({ kind: 'discovery', url: server.discoveryUrl });
      server.discoveryIssuer = 'https://other.example.com';

      const call = await invoke(authorizer, bearer(current));

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('KEYS_UNAVAILABLE');
      expect(call.log.reason).toContain('not a configured issuer');
      expect(server.count('/jwks.json')).toBe(0);
    });

    test('accepts a multi-tenant discovery issuer template', async () => {
      const template = 'https://login.example.com/{tenant}/v2.0';
      const authorizer = authorizerWith(
        { kind: 'discovery', url: server.discoveryUrl },
        {},
        { issuers: [{ kind: 'pattern', template, tenants: ['contoso'] }] },
      );
      server.discoveryIssuer = 'https://login.example.com/{tenantid}/v2.0';

      const call = await invoke(
        authorizer,
        bearer(current, 'https://login.example.com/contoso/v2.0'),
      );

      expect(call.outcome).toBe('allow');
    });
  });

  describe('inline keys', () => {
    test('verifies against inline JWKs without any fetch', async () => {
      const authorizer = authorizerWith({ kind: 'inline', keys: [current.jwk] });

      const call = await invoke(authorizer, bearer(current));

      expect(call.outcome).toBe('allow');
      expect(server.requests.size).toBe(0);
    });

    test.each([
      ['an RSA key under 2048 bits', () => generateSigningKey('RS256', { rsaBits: 1024 }), {}],
      ['use enc', () => generateSigningKey('ES256'), { use: 'enc' }],
      ['key_ops without verify', () => generateSigningKey('ES256'), { key_ops: ['encrypt'] }],
      ['a different alg', () => generateSigningKey('RS256'), { alg: 'PS256' }],
      ['an EC key without x', () => generateSigningKey('ES256'), { x: undefined }],
    ])('ignores a key with %s', async (_name, makeKey, jwkOverrides) => {
      const key = makeKey();
      const authorizer = authorizerWith({
        kind: 'inline',
        keys: [{ ...key.jwk, ...jwkOverrides }],
      });

      const call = await invoke(authorizer, bearer(key));

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('KEY_NOT_FOUND');
    });

    test('rejects an ES256 token whose kid names a P-384 key', async () => {
      const p384 = generateSigningKey('ES384');
      const p256 = generateSigningKey('ES256', { kid: p384.kid });
      const authorizer = authorizerWith({
        kind: 'inline',
        keys: [{ ...p384.jwk, alg: undefined }],
      });

      const call = await invoke(authorizer, bearer(p256));

      expect(call.log.code).toBe('KEY_NOT_FOUND');
    });
  });
});
