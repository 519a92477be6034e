import type { JwtValidatorConfig } from '../../../lambda/policy/config';
import { createKeySet } from '../../../lambda/policy/keys/key-set';
import { VerificationKey, importJwk } from '../../../lambda/policy/keys/jwk';
import {
  MAX_VERIFIED_TOKENS,
  NO_EXPIRY_LIFETIME_SECONDS,
  VerifiedTokens,
} from '../../../lambda/policy/jwt/verified-tokens';
import { verifyJwt } from '../../../lambda/policy/jwt/verify-jwt';
import { LoadedAuthorizer, invoke, loadAuthorizer } from '../../support/authorizer';
import { requestEvent } from '../../support/events';
import { JwksServer } from '../../support/jwks-server';
import {
  SigningKey,
  encodeSegment,
  generateSigningKey,
  nowSeconds,
  signJwt,
  standardClaims,
} from '../../support/jwt';
import {
  authorizerConfig,
  jwtRequirement,
  jwtValidatorConfig,
  operation,
} from '../../support/policy-config';

const AUDIENCE = 'api://orders';
const ISSUER = 'https://issuer.example';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the clock, in whole seconds, has reached `second`. */
async function waitUntilSecond(second: number): Promise<void> {
  while (nowSeconds() < second) {
    await sleep(100);
  }
}

function bearerEvent(token: string) {
  return requestEvent({ headers: { Authorization: `Bearer ${token}` } });
}

/** Replaces the last character of a token with another base64url character. */
function flipLastCharacter(token: string): string {
  const last = token[token.length - 1];
  return token.slice(0, -1) + (last === 'A' ? 'Q' : 'A');
}

describe('bundled authorizer: verified-token cache', () => {
  let server: JwksServer;
  let signer: SigningKey;
  const loaded: LoadedAuthorizer[] = [];

  beforeEach(async () => {
    signer = generateSigningKey('ES256');
    server = await JwksServer.start([signer.jwk]);
  });

  afterEach(async () => {
    loaded.splice(0).forEach((authorizer) => authorizer.dispose());
    await server.close();
  });

  function authorizerWith(overrides: Partial<JwtValidatorConfig> = {}): LoadedAuthorizer {
    const validator = jwtValidatorConfig(
      ISSUER,
      { kind: 'jwks', url: server.jwksUrl },
      {
        keyCache: {
          fetchTimeoutMs: 1000,
          refetchCooldownSeconds: 1,
          maxAgeSeconds: 3600,
          maxStaleSeconds: 3600,
        },
        ...overrides,
      },
    );
    const authorizer = loadAuthorizer(
      authorizerConfig(validator, [operation('GET', '/orders', jwtRequirement())]),
    );
    loaded.push(authorizer);
    return authorizer;
  }

  test('denies tampered copies of an allowed token', async () => {
    const authorizer = authorizerWith();
    const token = signJwt(signer, standardClaims(ISSUER, AUDIENCE));
    const [header, , signature] = token.split('.');
    const forgedPayload = encodeSegment({ ...standardClaims(ISSUER, AUDIENCE), sub: 'admin' });

    const first = await invoke(authorizer, bearerEvent(token));
    const resigned = await invoke(
      authorizer,
      bearerEvent(`${header}.${forgedPayload}.${signature}`),
    );
    const flipped = await invoke(authorizer, bearerEvent(flipLastCharacter(token)));
    const again = await invoke(authorizer, bearerEvent(token));

    expect(first.outcome).toBe('allow');
    expect(resigned).toMatchObject({ outcome: 'unauthorized', log: { code: 'SIGNATURE_INVALID' } });
    expect(flipped.outcome).toBe('unauthorized');
    expect(flipped.log.code).toMatch(/^(SIGNATURE_INVALID|TOKEN_MALFORMED)$/);
    expect(again.outcome).toBe('allow');
  });

  test('denies a remembered token once its exp has passed', async () => {
    const authorizer = authorizerWith({ clockSkewSeconds: 0 });
    const exp = nowSeconds() + 2;
    const token = signJwt(signer, standardClaims(ISSUER, AUDIENCE, { exp }));

    const before = await invoke(authorizer, bearerEvent(token));
    await waitUntilSecond(exp);
    const after = await invoke(authorizer, bearerEvent(token));

    expect(before.outcome).toBe('allow');
    expect(after).toMatchObject({ outcome: 'unauthorized', log: { code: 'TOKEN_EXPIRED' } });
  });

  test('checks claims on every hit', async () => {
    // The entry lives until exp, an hour away; only the claim check can deny this token.
    const authorizer = authorizerWith({ clockSkewSeconds: 0, maxTokenAgeSeconds: 1 });
    const iat = nowSeconds();
    const token = signJwt(signer, standardClaims(ISSUER, AUDIENCE, { iat }));

    const fresh = await invoke(authorizer, bearerEvent(token));
    await waitUntilSecond(iat + 2);
    const old = await invoke(authorizer, bearerEvent(token));

    expect(fresh.outcome).toBe('allow');
    expect(old).toMatchObject({ outcome: 'unauthorized', log: { code: 'TOKEN_EXPIRED' } });
  });

  test('denies a remembered token after its key leaves the JWKS', async () => {
    const authorizer = authorizerWith();
    const successor = generateSigningKey('ES256');
    const token = signJwt(signer, standardClaims(ISSUER, AUDIENCE));

    const before = await invoke(authorizer, bearerEvent(token));
    server.keys = [successor.jwk];
    await sleep(2100);
    // A token with an unknown kid makes the authorizer refetch the JWKS.
    const rotated = await invoke(
      authorizer,
      bearerEvent(signJwt(successor, standardClaims(ISSUER, AUDIENCE))),
    );
    const after = await invoke(authorizer, bearerEvent(token));

    expect(before.outcome).toBe('allow');
    expect(rotated.outcome).toBe('allow');
    expect(after).toMatchObject({ outcome: 'unauthorized', log: { code: 'KEY_NOT_FOUND' } });
  });

  test('denies a remembered token after its kid is published with another key', async () => {
    const authorizer = authorizerWith();
    const impostor = generateSigningKey('ES256', { kid: signer.kid });
    const newcomer = generateSigningKey('ES256');
    const token = signJwt(signer, standardClaims(ISSUER, AUDIENCE));

    const before = await invoke(authorizer, bearerEvent(token));
    server.keys = [impostor.jwk, newcomer.jwk];
    await sleep(2100);
    await invoke(authorizer, bearerEvent(signJwt(newcomer, standardClaims(ISSUER, AUDIENCE))));
    const after = await invoke(authorizer, bearerEvent(token));

    expect(before.outcome).toBe('allow');
    expect(after).toMatchObject({ outcome: 'unauthorized', log: { code: 'SIGNATURE_INVALID' } });
  });
});

describe('verifyJwt with remembered tokens', () => {
  const signer = generateSigningKey('ES256');
  const validator = jwtValidatorConfig(ISSUER, { kind: 'inline', keys: [signer.jwk] });

  test('reuses claims of a repeated token', async () => {
    const keySet = createKeySet(validator.keys, validator.issuers, validator.keyCache);
    const verified = new VerifiedTokens();
    const token = signJwt(signer, standardClaims(ISSUER, AUDIENCE));
    const other = signJwt(signer, standardClaims(ISSUER, AUDIENCE, { sub: 'user-456' }));
    const now = nowSeconds();

    const first = await verifyJwt(token, validator, keySet, now, verified);
    const second = await verifyJwt(token, validator, keySet, now, verified);
    const third = await verifyJwt(other, validator, keySet, now, verified);

    expect(second).toBe(first);
    expect(third).not.toBe(first);
    expect(third.sub).toBe('user-456');
    expect(verified.size).toBe(2);
  });

  test('never remembers a token that failed', async () => {
    const keySet = createKeySet(validator.keys, validator.issuers, validator.keyCache);
    const verified = new VerifiedTokens();
    const now = nowSeconds();
    const wrongAudience = signJwt(signer, standardClaims(ISSUER, 'api://other'));
    const badSignature = flipLastCharacter(signJwt(signer, standardClaims(ISSUER, AUDIENCE)));

    await expect(verifyJwt(wrongAudience, validator, keySet, now, verified)).rejects.toMatchObject({
      code: 'AUDIENCE_NOT_ALLOWED',
    });
    await expect(verifyJwt(badSignature, validator, keySet, now, verified)).rejects.toThrow();
    expect(verified.size).toBe(0);
  });
});

describe('VerifiedTokens', () => {
  const key = importJwk(generateSigningKey('ES256').jwk) as VerificationKey;
  const payload = (exp?: number) => (exp === undefined ? {} : { exp });

  test('evicts least recently used first', () => {
    const verified = new VerifiedTokens(3);
    for (const token of ['a', 'b', 'c']) {
      verified.add(token, {}, payload(2000), key, 1000);
    }
    verified.get('a', 1000);
    verified.add('d', {}, payload(2000), key, 1000);

    expect(verified.size).toBe(3);
    expect(verified.get('b', 1000)).toBeUndefined();
    expect(verified.get('a', 1000)).toBeDefined();
    expect(verified.get('d', 1000)).toBeDefined();
  });

  test('keeps MAX_VERIFIED_TOKENS by default', () => {
    const verified = new VerifiedTokens();
    for (let index = 0; index < MAX_VERIFIED_TOKENS + 50; index++) {
      verified.add(`token-${index}`, {}, payload(2000), key, 1000);
    }

    expect(verified.size).toBe(MAX_VERIFIED_TOKENS);
    expect(verified.get('token-0', 1000)).toBeUndefined();
    expect(verified.get(`token-${MAX_VERIFIED_TOKENS + 49}`, 1000)).toBeDefined();
  });

  test('drops entries at expiry', () => {
    const verified = new VerifiedTokens();
    verified.add('with-exp', {}, payload(1010), key, 1000);
    verified.add('without-exp', {}, payload(), key, 1000);

    expect(verified.get('with-exp', 1009)).toBeDefined();
    expect(verified.get('with-exp', 1010)).toBeUndefined();
    expect(verified.get('without-exp', 1000 + NO_EXPIRY_LIFETIME_SECONDS - 1)).toBeDefined();
    expect(verified.get('without-exp', 1000 + NO_EXPIRY_LIFETIME_SECONDS)).toBeUndefined();
    expect(verified.size).toBe(0);
  });

  test('skips an already expired token', () => {
    const verified = new VerifiedTokens();
    verified.add('expired', {}, payload(999), key, 1000);

    expect(verified.size).toBe(0);
  });
});
