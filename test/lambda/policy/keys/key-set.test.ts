import type { KeyCacheConfig } from '../../../../lambda/policy/config';
import { AccessDenied } from '../../../../lambda/policy/failure';
import { createKeySet } from '../../../../lambda/policy/keys/key-set';
import { JwksServer } from '../../../support/jwks-server';
import { SigningKey, generateSigningKey } from '../../../support/jwt';

// A warm lookup returns keys without a promise, so a warm decision awaits nothing. These
// tests pin which lookups return at once and which wait for a fetch.
const CACHE: KeyCacheConfig = {
  fetchTimeoutMs: 1000,
  refetchCooldownSeconds: 5,
  maxAgeSeconds: 60,
  maxStaleSeconds: 120,
};
const T0 = 1_800_000_000;

let server: JwksServer;
let first: SigningKey;
let second: SigningKey;

beforeAll(async () => {
  first = generateSigningKey('ES256', { kid: 'first' });
  second = generateSigningKey('ES256', { kid: 'second' });
  server = await JwksServer.start();
});

afterAll(() => server.close());

beforeEach(() => {
  server.mode = 'ok';
  server.keys = [first.jwk];
  server.requests.clear();
});

function remoteKeySet() {
  return createKeySet({ kind: 'jwks', url: server.jwksUrl }, [], CACHE);
}

describe('RemoteKeySet.keysFor', () => {
  test('known kid returns at once when warm', async () => {
    const keySet = remoteKeySet();
    const cold = keySet.keysFor('first', T0);
    expect(cold).toBeInstanceOf(Promise);
    expect((await cold).map((key) => key.kid)).toEqual(['first']);

    const warm = keySet.keysFor('first', T0 + 1);
    expect(Array.isArray(warm)).toBe(true);
    expect((warm as readonly { kid?: string }[]).map((key) => key.kid)).toEqual(['first']);
    expect(server.count('/jwks.json')).toBe(1);
  });

  test('unknown kid refetches after cool-down', async () => {
    const keySet = remoteKeySet();
    await keySet.keysFor('first', T0);
    server.keys = [first.jwk, second.jwk];

    expect(keySet.keysFor('second', T0 + 4)).toEqual([]);
    expect(server.count('/jwks.json')).toBe(1);

    const later = keySet.keysFor('second', T0 + 5);
    expect(later).toBeInstanceOf(Promise);
    expect((await later).map((key) => key.kid)).toEqual(['second']);
    expect(server.count('/jwks.json')).toBe(2);
  });

  test('cool-down counts fractions of a second', async () => {
    const keySet = remoteKeySet();
    await keySet.keysFor('first', T0 + 0.999);
    server.keys = [first.jwk, second.jwk];

    // This is 4.001 s after the first fetch, but whole seconds would count 5 s and refetch.
    expect(keySet.keysFor('second', T0 + 5)).toEqual([]);
    expect(server.count('/jwks.json')).toBe(1);

    expect((await keySet.keysFor('second', T0 + 5.999)).map((key) => key.kid)).toEqual(['second']);
    expect(server.count('/jwks.json')).toBe(2);
  });

  test('stale keys return at once', async () => {
    const keySet = remoteKeySet();
    await keySet.keysFor('first', T0);
    server.mode = 'error';

    const stale = keySet.keysFor('first', T0 + 61);
    expect(Array.isArray(stale)).toBe(true);
    expect(keySet.keysFor('first', T0 + 62)).toHaveLength(1);
    // The refresh runs in the background, so wait up to 2 s for the server to receive it.
    for (let waited = 0; server.count('/jwks.json') < 2 && waited < 2000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(server.count('/jwks.json')).toBe(2);
  });

  test('expired keys wait, then deny', async () => {
    const keySet = remoteKeySet();
    await keySet.keysFor('first', T0);
    server.mode = 'error';

    const expired = keySet.keysFor('first', T0 + 181);
    expect(expired).toBeInstanceOf(Promise);
    await expect(expired).rejects.toThrow(AccessDenied);
    await expect(Promise.resolve(keySet.keysFor('first', T0 + 182))).rejects.toMatchObject({
      code: 'KEYS_UNAVAILABLE',
      status: 401,
    });
  });

  test('failed first fetch rejects', async () => {
    server.mode = 'down';
    const keySet = remoteKeySet();
    let result: unknown;
    expect(() => {
      result = keySet.keysFor('first', T0);
    }).not.toThrow();
    await expect(result).rejects.toMatchObject({ code: 'KEYS_UNAVAILABLE' });
  });
});

describe('inline key set', () => {
  test('returns keys without a promise', () => {
    const keySet = createKeySet({ kind: 'inline', keys: [first.jwk, second.jwk] }, [], CACHE);
    const found = keySet.keysFor('second', T0);
    expect(Array.isArray(found)).toBe(true);
    expect((found as readonly { kid?: string }[]).map((key) => key.kid)).toEqual(['second']);
  });
});
