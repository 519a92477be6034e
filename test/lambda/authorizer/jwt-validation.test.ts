import { createPublicKey } from 'node:crypto';
import type { JwtValidatorConfig } from '../../../lambda/policy/config';
import { LoadedAuthorizer, invoke, loadAuthorizer } from '../../support/authorizer';
import { methodArn, requestEvent } from '../../support/events';
import { JwksServer } from '../../support/jwks-server';
import {
  SigningKey,
  encodeSegment,
  generateSigningKey,
  nowSeconds,
  signHs256,
  signJwt,
  signWith,
  standardClaims,
  unsignedJwt,
} from '../../support/jwt';
import {
  authorizerConfig,
  jwtRequirement,
  jwtValidatorConfig,
  operation,
} from '../../support/policy-config';

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'api://orders';

let server: JwksServer;
let keys: Record<'RS256' | 'PS256' | 'ES256' | 'EdDSA', SigningKey>;
const loaded: LoadedAuthorizer[] = [];

beforeAll(async () => {
  keys = {
    RS256: generateSigningKey('RS256'),
    PS256: generateSigningKey('PS256'),
    ES256: generateSigningKey('ES256'),
    EdDSA: generateSigningKey('EdDSA'),
  };
  server = await JwksServer.start(Object.values(keys).map((key) => key.jwk));
});

afterAll(async () => {
  loaded.forEach((authorizer) => authorizer.dispose());
  await server.close();
});

function authorizerWith(overrides: Partial<JwtValidatorConfig> = {}): LoadedAuthorizer {
  const validator = jwtValidatorConfig(ISSUER, { kind: 'jwks', url: server.jwksUrl }, overrides);
  const authorizer = loadAuthorizer(
    authorizerConfig(validator, [operation('GET', '/orders', jwtRequirement())]),
  );
  loaded.push(authorizer);
  return authorizer;
}

function bearer(token: string) {
  return requestEvent({ headers: { Authorization: `Bearer ${token}` } });
}

function validToken(overrides: Record<string, unknown> = {}, key = keys.RS256): string {
  return signJwt(key, standardClaims(ISSUER, AUDIENCE, overrides));
}

describe('bundled authorizer: token validation', () => {
  test.each(['RS256', 'PS256', 'ES256', 'EdDSA'] as const)(
    'allows a valid %s token',
    async (alg) => {
      const authorizer = authorizerWith();

      const call = await invoke(authorizer, bearer(validToken({}, keys[alg])));

      expect(call.outcome).toBe('allow');
      expect(call.result?.policyDocument.Statement[0].Resource).toEqual([
        methodArn('GET', '/orders'),
      ]);
      expect(call.result?.principalId).toBe('user-123');
      expect(call.log.code).toBe('ALLOWED');
    },
  );

  test.each([
    ['expired token', { exp: nowSeconds() - 3600 }, 'TOKEN_EXPIRED'],
    ['token not yet valid', { nbf: nowSeconds() + 3600 }, 'TOKEN_NOT_YET_VALID'],
    ['wrong issuer', { iss: 'https://evil.example.com/' }, 'ISSUER_NOT_ALLOWED'],
    ['issuer of another type', { iss: ['https://idp.example.com/'] }, 'ISSUER_NOT_ALLOWED'],
    ['wrong audience', { aud: 'api://billing' }, 'AUDIENCE_NOT_ALLOWED'],
    [
      'audience array without ours',
      { aud: ['api://billing', 'api://crm'] },
      'AUDIENCE_NOT_ALLOWED',
    ],
    ['missing audience', { aud: undefined }, 'AUDIENCE_NOT_ALLOWED'],
    ['missing exp', { exp: undefined }, 'CLAIM_INVALID'],
    ['exp as a string', { exp: String(nowSeconds() + 3600) }, 'CLAIM_INVALID'],
    ['nbf as a string', { nbf: '0' }, 'CLAIM_INVALID'],
    ['iat as a string', { iat: 'yesterday' }, 'CLAIM_INVALID'],
  ])('rejects %s with 401', async (_name, overrides, code) => {
    const authorizer = authorizerWith();

    const call = await invoke(authorizer, bearer(validToken(overrides)));

    expect(call.outcome).toBe('unauthorized');
    expect(call.log.code).toBe(code);
    expect(call.log.status).toBe(401);
  });

  test('allows an audience array that lists ours', async () => {
    const authorizer = authorizerWith();

    const call = await invoke(authorizer, bearer(validToken({ aud: ['api://crm', AUDIENCE] })));

    expect(call.outcome).toBe('allow');
  });

  test('allows any audience only when audiences is null', async () => {
    const authorizer = authorizerWith({ audiences: null });

    const call = await invoke(authorizer, bearer(validToken({ aud: 'api://anything' })));

    expect(call.outcome).toBe('allow');
  });

  test('allows a token without exp when expiry is not required', async () => {
    const authorizer = authorizerWith({ requireExpiry: false });

    const call = await invoke(authorizer, bearer(validToken({ exp: undefined })));

    expect(call.outcome).toBe('allow');
  });

  // Claims are built when each test runs, because a table is built seconds before.
  test.each([
    ['exp just inside the skew', (now: number) => ({ exp: now - 60 + 5 }), 'allow', 'ALLOWED'],
    [
      'exp just outside the skew',
      (now: number) => ({ exp: now - 60 - 5 }),
      'unauthorized',
      'TOKEN_EXPIRED',
    ],
    ['nbf just inside the skew', (now: number) => ({ nbf: now + 60 - 5 }), 'allow', 'ALLOWED'],
    [
      'nbf just outside the skew',
      (now: number) => ({ nbf: now + 60 + 5 }),
      'unauthorized',
      'TOKEN_NOT_YET_VALID',
    ],
  ])('clock skew edge: %s', async (_name, claimsAt, outcome, code) => {
    const authorizer = authorizerWith({ clockSkewSeconds: 60 });

    const call = await invoke(authorizer, bearer(validToken(claimsAt(nowSeconds()))));

    expect(call.outcome).toBe(outcome);
    expect(call.log.code).toBe(code);
  });

  test.each([
    ['within the maximum age', { iat: nowSeconds() - 200 }, 'allow', 'ALLOWED'],
    ['older than the maximum age', { iat: nowSeconds() - 400 }, 'unauthorized', 'TOKEN_EXPIRED'],
    ['without iat', { iat: undefined }, 'unauthorized', 'CLAIM_INVALID'],
    ['issued in the future', { iat: nowSeconds() + 600 }, 'unauthorized', 'TOKEN_NOT_YET_VALID'],
  ])('maxTokenAgeSeconds: token %s', async (_name, overrides, outcome, code) => {
    const authorizer = authorizerWith({ maxTokenAgeSeconds: 300, clockSkewSeconds: 30 });

    const call = await invoke(authorizer, bearer(validToken(overrides)));

    expect(call.outcome).toBe(outcome);
    expect(call.log.code).toBe(code);
  });

  test('rejects alg none', async () => {
    const authorizer = authorizerWith();
    const token = unsignedJwt(standardClaims(ISSUER, AUDIENCE), keys.RS256.kid);

    const call = await invoke(authorizer, bearer(token));

    expect(call.outcome).toBe('unauthorized');
    expect(call.log.code).toBe('ALGORITHM_NOT_ALLOWED');
  });

  test('rejects HS256 keyed with the RSA public key', async () => {
    const authorizer = authorizerWith();
    const publicPem = createPublicKey(keys.RS256.privateKey).export({
      type: 'spki',
      format: 'pem',
    });
    const token = signHs256(standardClaims(ISSUER, AUDIENCE), publicPem, keys.RS256.kid);

    const call = await invoke(authorizer, bearer(token));

    expect(call.outcome).toBe('unauthorized');
    expect(call.log.code).toBe('ALGORITHM_NOT_ALLOWED');
  });

  test('rejects an allowed algorithm missing from the validator list', async () => {
    const authorizer = authorizerWith({ algorithms: ['ES256'] });

    const call = await invoke(authorizer, bearer(validToken()));

    expect(call.outcome).toBe('unauthorized');
    expect(call.log.code).toBe('ALGORITHM_NOT_ALLOWED');
  });

  test('rejects a crit header', async () => {
    const authorizer = authorizerWith();
    const token = signJwt(keys.RS256, standardClaims(ISSUER, AUDIENCE), {
      header: { crit: ['exp'], exp: 1 },
    });

    const call = await invoke(authorizer, bearer(token));

    expect(call.outcome).toBe('unauthorized');
    expect(call.log.code).toBe('TOKEN_MALFORMED');
  });

  describe('attacker keys in headers', () => {
    let attackerServer: JwksServer;
    const attacker = () => generateSigningKey('RS256', { kid: 'attacker' });

    beforeAll(async () => {
      attackerServer = await JwksServer.start();
    });

    afterAll(async () => {
      await attackerServer.close();
    });

    test.each(['jwk', 'jku', 'x5u', 'x5c'])(
      'ignores a %s header naming the signing key',
      async (name) => {
        const authorizer = authorizerWith();
        const key = attacker();
        attackerServer.keys = [key.jwk];
        const values: Record<string, unknown> = {
          jwk: key.jwk,
          jku: attackerServer.jwksUrl,
          x5u: `${attackerServer.baseUrl}/cert.pem`,
          x5c: [key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
        };
        const token = signJwt(key, standardClaims(ISSUER, AUDIENCE), {
          header: { [name]: values[name] },
        });

        const call = await invoke(authorizer, bearer(token));

        expect(call.outcome).toBe('unauthorized');
        expect(call.log.code).toBe('KEY_NOT_FOUND');
        expect(attackerServer.requests.size).toBe(0);
      },
    );

    test('ignores a jwk header on a token signed with a trusted key', async () => {
      const authorizer = authorizerWith();
      const token = signJwt(keys.ES256, standardClaims(ISSUER, AUDIENCE), {
        header: { jwk: attacker().jwk },
      });

      const call = await invoke(authorizer, bearer(token));

      expect(call.outcome).toBe('allow');
    });

    test('rejects a token signed by an attacker key reusing a trusted kid', async () => {
      const authorizer = authorizerWith();
      const forged = { ...attacker(), kid: keys.RS256.kid };
      const token = signJwt(forged, standardClaims(ISSUER, AUDIENCE));

      const call = await invoke(authorizer, bearer(token));

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('SIGNATURE_INVALID');
    });
  });

  describe('malformed tokens', () => {
    const header = encodeSegment({ alg: 'RS256', kid: 'x' });
    const payload = encodeSegment({ iss: ISSUER });

    test.each([
      ['one segment', 'abcdef'],
      ['two segments', `${header}.${payload}`],
      ['four segments', `${header}.${payload}.c2ln.c2ln`],
      ['an empty header', `.${payload}.c2ln`],
      ['padding', `${header}=.${payload}.c2ln`],
      ['standard base64 characters', `${header}.${payload}.ab+/`],
      ['a segment of 4n+1 characters', `${header}.${payload}.c2lnc`],
      ['a percent-encoded character', `${header}.${payload}.c2%3D`],
      ['a non-ASCII character', `${header}.${payload}.c2l\u00e9`],
      ['padding inside a segment', `${header}.${payload}.c2==c2ln`],
      [
        'non-canonical trailing bits',
        `${encodeSegment('{"alg":"RS256"}').slice(0, -1)}B.${payload}.c2ln`,
      ],
      ['a header that is a JSON array', `${encodeSegment([1])}.${payload}.c2ln`],
      ['a payload that is not JSON', `${header}.${encodeSegment('not json')}.c2ln`],
      ['a payload that is a JSON string', `${header}.${encodeSegment('"text"')}.c2ln`],
      ['a payload that is null', `${header}.${encodeSegment('null')}.c2ln`],
      ['an oversized token', `${header}.${encodeSegment({ pad: 'x'.repeat(13000) })}.c2ln`],
    ])('rejects a token with %s', async (_name, token) => {
      const authorizer = authorizerWith();

      const call = await invoke(authorizer, bearer(token));

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('TOKEN_MALFORMED');
    });

    test('rejects a tampered payload', async () => {
      const authorizer = authorizerWith();
      const [head, , signature] = validToken().split('.');
      const token = `${head}.${encodeSegment(standardClaims(ISSUER, AUDIENCE, { sub: 'admin' }))}.${signature}`;

      const call = await invoke(authorizer, bearer(token));

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('SIGNATURE_INVALID');
    });

    test('rejects an ES256 signature in DER form', async () => {
      const authorizer = authorizerWith();
      const claims = standardClaims(ISSUER, AUDIENCE);
      const signingInput = `${encodeSegment({ alg: 'ES256', kid: keys.ES256.kid })}.${encodeSegment(claims)}`;
      const p1363 = signWith('ES256', keys.ES256.privateKey, signingInput);
      const der = toDer(p1363);

      const call = await invoke(authorizer, bearer(`${signingInput}.${der.toString('base64url')}`));

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('SIGNATURE_INVALID');
    });
  });

  describe('token sources', () => {
    test('accepts a lowercase scheme and extra spaces', async () => {
      const authorizer = authorizerWith();
      const event = requestEvent({ headers: { authorization: `  bearer    ${validToken()}  ` } });

      const call = await invoke(authorizer, event);

      expect(call.outcome).toBe('allow');
    });

    test('accepts a tab and a line break around the token', async () => {
      const authorizer = authorizerWith();
      const event = requestEvent({ headers: { authorization: `Bearer\t${validToken()}\r\n` } });

      const call = await invoke(authorizer, event);

      expect(call.outcome).toBe('allow');
    });

    test.each([
      ['another scheme', (token: string) => `Basic ${token}`],
      ['no scheme', (token: string) => token],
      ['a second word after the token', (token: string) => `Bearer ${token} extra`],
      ['a second word after a tab', (token: string) => `Bearer ${token}\textra`],
      ['the scheme alone', () => 'Bearer'],
      ['the scheme and spaces only', () => 'Bearer   '],
      ['the scheme glued to the token', (token: string) => `Bearer${token}`],
      ['a longer scheme word', (token: string) => `Bearers ${token}`],
      ['a scheme word split by a space', (token: string) => `Bea rer ${token}`],
    ])('rejects an authorization header with %s', async (_name, build) => {
      const authorizer = authorizerWith();

      const call = await invoke(
        authorizer,
        requestEvent({ headers: { Authorization: build(validToken()) } }),
      );

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('TOKEN_MALFORMED');
    });

    test('rejects a request without a token', async () => {
      const authorizer = authorizerWith();

      const call = await invoke(
        authorizer,
        requestEvent({ headers: { Accept: 'application/json' } }),
      );

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('TOKEN_MISSING');
    });

    test('rejects a repeated authorization header', async () => {
      const authorizer = authorizerWith();
      const event = requestEvent({
        multiValueHeaders: { Authorization: [`Bearer ${validToken()}`, 'Bearer other'] },
      });

      const call = await invoke(authorizer, event);

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('TOKEN_MALFORMED');
    });

    test('reads the token from a query parameter', async () => {
      const authorizer = authorizerWith({ tokenSources: [{ in: 'query', name: 'access_token' }] });

      const call = await invoke(
        authorizer,
        requestEvent({ query: { access_token: validToken() } }),
      );

      expect(call.outcome).toBe('allow');
    });

    test('reads the token from a cookie', async () => {
      const authorizer = authorizerWith({ tokenSources: [{ in: 'cookie', name: 'session' }] });
      const event = requestEvent({
        headers: { Cookie: `theme=dark; session=${validToken()}; lang=en` },
      });

      const call = await invoke(authorizer, event);

      expect(call.outcome).toBe('allow');
    });

    test('uses the first source present and does not fall through', async () => {
      const authorizer = authorizerWith({
        tokenSources: [
          { in: 'header', name: 'Authorization', scheme: 'Bearer' },
          { in: 'query', name: 'access_token' },
        ],
      });
      const event = requestEvent({
        headers: { Authorization: 'Bearer not-a-token' },
        query: { access_token: validToken() },
      });

      const call = await invoke(authorizer, event);

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('TOKEN_MALFORMED');
    });
  });

  describe('issuer pattern', () => {
    const template = 'https://login.example.com/{tenant}/v2.0';
    const tenantAuthorizer = () =>
      authorizerWith({
        issuers: [{ kind: 'pattern', template, tenants: ['tenant-a', 'tenant-b'] }],
      });

    test('allows a listed tenant', async () => {
      const authorizer = tenantAuthorizer();

      const call = await invoke(
        authorizer,
        bearer(validToken({ iss: 'https://login.example.com/tenant-b/v2.0' })),
      );

      expect(call.outcome).toBe('allow');
    });

    test.each([
      ['an unlisted tenant', 'https://login.example.com/tenant-c/v2.0'],
      ['an empty tenant', 'https://login.example.com//v2.0'],
      ['a tenant with an extra path', 'https://login.example.com/tenant-a/x/v2.0'],
      ['the literal template', template],
    ])('rejects %s', async (_name, iss) => {
      const authorizer = tenantAuthorizer();

      const call = await invoke(authorizer, bearer(validToken({ iss })));

      expect(call.outcome).toBe('unauthorized');
      expect(call.log.code).toBe('ISSUER_NOT_ALLOWED');
    });
  });

  test('never writes the token to the log', async () => {
    const authorizer = authorizerWith();
    const good = validToken();
    const expired = validToken({ exp: nowSeconds() - 3600 });

    const calls = [
      await invoke(authorizer, bearer(good)),
      await invoke(authorizer, bearer(expired)),
    ];

    for (const [index, token] of [good, expired].entries()) {
      for (const segment of token.split('.')) {
        expect(calls[index].rawLog).not.toContain(segment);
      }
    }
  });
});

/** Converts an IEEE P1363 ECDSA signature (r || s) into ASN.1 DER. */
function toDer(signature: Buffer): Buffer {
  const integer = (bytes: Buffer) => {
    let trimmed = bytes;
    while (trimmed.length > 1 && trimmed[0] === 0 && trimmed[1] < 0x80) {
      trimmed = trimmed.subarray(1);
    }
    const body = trimmed[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
    return Buffer.concat([Buffer.from([0x02, body.length]), body]);
  };
  const half = signature.length / 2;
  const body = Buffer.concat([
    integer(signature.subarray(0, half)),
    integer(signature.subarray(half)),
  ]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}
