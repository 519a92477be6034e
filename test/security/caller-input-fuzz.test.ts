import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { parseBasicAuthorization } from '../../lambda/policy/basic/parse';
import type { AuthorizerConfig, OperationConfig } from '../../lambda/policy/config';
import { AccessDenied } from '../../lambda/policy/failure';
import { SubscriptionManager } from '../../lambda/subscriptions/manager';
import { SubscriptionStore } from '../../lambda/subscriptions/store';
import { LoadedAuthorizer, invoke, loadAuthorizer } from '../support/authorizer';
import { CertificateLab, IssuedCertificate, TestCa } from '../support/certificates';
import { requestEvent } from '../support/events';
import { SigningKey, encodeSegment, generateSigningKey, signJwt } from '../support/jwt';
import { jwtValidatorConfig } from '../support/policy-config';
import { catalog } from '../lambda/subscriptions/catalog-fixture';
import { RegistryServer, startRegistryServer } from '../lambda/subscriptions/registry-server';
import { loadAuthorizerWithSdk } from '../lambda/subscription/load-authorizer';
import { signRaw } from './fixture';

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'api://orders';
const SCOPE = 'orders.read';
const SKEW = 60;

/** Outcomes a handler may produce; `error` (any throw but `Unauthorized`) is a failure. */
const SAFE_OUTCOMES = ['allow', 'deny', 'unauthorized'];

function jwtConfig(key: SigningKey): AuthorizerConfig {
  const operations: OperationConfig[] = [
    {
      method: 'GET',
      path: '/orders',
      authorizer: 'jwt-default',
      access: {
        kind: 'jwt',
        validator: 'main',
        claims: [{ claim: 'scope', values: [SCOPE], match: 'all' }],
      },
    },
  ];
  return {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: {
      main: jwtValidatorConfig(
        ISSUER,
        { kind: 'inline', keys: [key.jwk] },
        {
          clockSkewSeconds: SKEW,
          tokenSources: [
            { in: 'header', name: 'Authorization', scheme: 'Bearer' },
            { in: 'query', name: 'access_token' },
            { in: 'cookie', name: 'session' },
          ],
        },
      ),
    },
    apis: { orders: { name: 'Test/orders', operations } },
  };
}

describe('JWT from headers, query strings and cookies', () => {
  let key: SigningKey;
  let authorizer: LoadedAuthorizer;
  let now: number;
  let valid: string;

  beforeAll(() => {
    key = generateSigningKey('ES256', { kid: 'es-1' });
    authorizer = loadAuthorizer(jwtConfig(key));
    now = Math.floor(Date.now() / 1000);
    // A frozen clock keeps each generated time claim on its side of the skew edge.
    jest.spyOn(Date, 'now').mockReturnValue(now * 1000);
    valid = signJwt(key, { iss: ISSUER, aud: AUDIENCE, exp: now + 3600, scope: SCOPE });
  });

  afterAll(() => {
    jest.restoreAllMocks();
    authorizer.dispose();
  });

  test('never throws and never allows an arbitrary Authorization header', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        async (header) => {
          const call = await invoke(
            authorizer,
            requestEvent({ headers: { Authorization: header } }),
          );

          expect(SAFE_OUTCOMES).toContain(call.outcome);
          expect(call.outcome).not.toBe('allow');
        },
      ),
      { numRuns: 300 },
    );
  });

  test('never allows a signed token after any edit', async () => {
    const edit = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom('insert', 'replace', 'delete'),
      char: fc.constantFrom(...'.=+/-_ \tAQgw09\u00e9\u0000'.split('')),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        const mutated = edits.reduce((token, { at, kind, char }) => {
          const index = at % (token.length + 1);
          const removed = kind === 'insert' ? 0 : 1;
          return (
            token.slice(0, index) + (kind === 'delete' ? '' : char) + token.slice(index + removed)
          );
        }, valid);

        const call = await invoke(
          authorizer,
          requestEvent({ headers: { Authorization: `Bearer ${mutated}` } }),
        );

        expect(SAFE_OUTCOMES).toContain(call.outcome);
        if (call.outcome === 'allow') {
          expect(mutated.trim()).toBe(valid);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('never throws on arbitrary query strings and cookies', async () => {
    const values = fc.oneof(fc.string(), fc.constant(valid), fc.constant(`${valid};${valid}`));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom('access_token', 'Access_Token', 'x'),
          fc.array(values, { maxLength: 3 }),
        ),
        fc.array(values, { maxLength: 3 }),
        async (query, cookies) => {
          const event = requestEvent({
            multiValueQuery: query,
            multiValueHeaders:
              cookies.length > 0 ? { Cookie: cookies.map((c) => `session=${c}`) } : {},
          });

          const call = await invoke(authorizer, event);

          expect(SAFE_OUTCOMES).toContain(call.outcome);
          const presented = [...(query.access_token ?? [])];
          if (call.outcome === 'allow') {
            // The query source comes before the cookie source, and it must hold exactly one token.
            const token = presented.length > 0 ? presented : sessionCookies(cookies);
            expect(token).toEqual([valid]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test('allows a signed token exactly when the reference claims check does', async () => {
    const claims = fc.record(
      {
        iss: fc.constantFrom<unknown>(ISSUER, 'https://evil.example.com/', 42, null, [ISSUER]),
        aud: fc.constantFrom<unknown>(
          AUDIENCE,
          [AUDIENCE],
          ['api://x', AUDIENCE],
          'api://x',
          [],
          null,
          [[AUDIENCE]],
          7,
        ),
        exp: fc.constantFrom<unknown>(
          now + 3600,
          now - 3600,
          now - SKEW,
          now - SKEW + 1,
          'soon',
          null,
          true,
        ),
        nbf: fc.constantFrom<unknown>(now - 10, now + SKEW, now + SKEW + 1, '0', {}),
        iat: fc.constantFrom<unknown>(now, now + 7200, 'today', null),
        scope: fc.constantFrom<unknown>(
          SCOPE,
          `x ${SCOPE}`,
          [SCOPE],
          `${SCOPE}x`,
          `${SCOPE},x`,
          { [SCOPE]: 1 },
          5,
          ['x'],
        ),
        extra: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: [] },
    );
    const header = fc.record(
      {
        alg: fc.constantFrom<unknown>('ES256', 'ES256', 'none', 'HS256', 'RS256', 'es256', [
          'ES256',
        ]),
        kid: fc.constantFrom<unknown>('es-1', 'es-1', 'other', 5, ''),
        crit: fc.constantFrom<unknown>(['exp'], []),
        typ: fc.string(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(header, claims, async (headerFields, payload) => {
        const token = signRaw(key, encodeSegment(headerFields), encodeSegment(payload), 'ES256');

        const call = await invoke(
          authorizer,
          requestEvent({ headers: { Authorization: `Bearer ${token}` } }),
        );

        expect(SAFE_OUTCOMES).toContain(call.outcome);
        expect(call.outcome === 'allow').toBe(referenceAllows(headerFields, payload, now));
      }),
      { numRuns: 400 },
    );
  });
});

/** Returns the `session` values of `session=...` cookie headers, split as RFC 6265 pairs. */
function sessionCookies(values: readonly string[]): string[] {
  return values
    .flatMap((value) => `session=${value}`.split(';'))
    .map((pair) => pair.trim().split('='))
    .filter(([name, ...rest]) => name === 'session' && rest.length > 0)
    .map(([, ...rest]) => rest.join('=').trim());
}

/** Decides a token from its header and claims by RFC 7519 and the validator's settings. */
function referenceAllows(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  now: number,
): boolean {
  const isNumber = (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value);
  const headerOk =
    header.alg === 'ES256' &&
    header.crit === undefined &&
    (header.kid === undefined || header.kid === 'es-1');
  const audienceOk =
    claims.aud === AUDIENCE || (Array.isArray(claims.aud) && claims.aud.includes(AUDIENCE));
  const timesOk =
    isNumber(claims.exp) &&
    now - SKEW < claims.exp &&
    (claims.nbf === undefined || (isNumber(claims.nbf) && now + SKEW >= claims.nbf)) &&
    (claims.iat === undefined || isNumber(claims.iat));
  const scopes =
    typeof claims.scope === 'string'
      ? claims.scope.split(' ')
      : Array.isArray(claims.scope)
        ? claims.scope
        : [];
  return headerOk && claims.iss === ISSUER && audienceOk && timesOk && scopes.includes(SCOPE);
}

describe('Basic credentials parser', () => {
  /** Decodes Basic credentials as RFC 7617 describes them, independently of the parser. */
  function referenceDecode(header: string): { username: string; password: string } | undefined {
    const match = /^\s*basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header);
    if (match === null || match[1].length % 4 !== 0) {
      return undefined;
    }
    const bytes = Buffer.from(match[1], 'base64');
    if (bytes.toString('base64') !== match[1]) {
      return undefined;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return undefined;
    }
    const colon = text.indexOf(':');
    const [username, password] = [text.slice(0, colon), text.slice(colon + 1)];
    // RFC 7617 forbids control characters in the user id and the password.
    // eslint-disable-next-line no-control-regex
    const control = /[\u0000-\u001f\u007f]/;
    if (colon <= 0 || control.test(username) || control.test(password)) {
      return undefined;
    }
    return { username, password };
  }

  const credentials = fc
    .tuple(fc.string({ unit: 'binary' }), fc.constantFrom(':', ''), fc.string({ unit: 'binary' }))
    .map(([user, colon, password]) => Buffer.from(`${user}${colon}${password}`).toString('base64'));
  const headers = fc.oneof(
    fc.string(),
    credentials.map((encoded) => `Basic ${encoded}`),
    fc
      .tuple(
        fc.constantFrom('basic', 'BASIC', 'Basic', 'Bearer'),
        fc.constantFrom(' ', '  ', '\t', ''),
        credentials,
        fc.string({ maxLength: 2 }),
      )
      .map(([scheme, gap, encoded, tail]) => `${scheme}${gap}${encoded}${tail}`),
  );

  test('accepts exactly what the reference decoder accepts', () => {
    fc.assert(
      fc.property(headers, (header) => {
        let parsed: { username: string; password: string } | undefined;
        try {
          parsed = parseBasicAuthorization([header]);
        } catch (error) {
          expect(error).toBeInstanceOf(AccessDenied);
          expect((error as AccessDenied).status).toBe(401);
        }

        const isBasic = /^\s*basic(\s|$)/i.test(header) && header.length <= 4096;
        expect(parsed).toEqual(isBasic ? referenceDecode(header) : undefined);
      }),
      { numRuns: 1000 },
    );
  });

  test('rejects every header list with more than one Basic value', () => {
    fc.assert(
      fc.property(fc.array(credentials, { minLength: 2, maxLength: 4 }), (encoded) => {
        expect(() => parseBasicAuthorization(encoded.map((value) => `Basic ${value}`))).toThrow(
          AccessDenied,
        );
      }),
    );
  });
});

describe('client certificate fields', () => {
  let lab: CertificateLab;
  let ca: TestCa;
  let leaf: IssuedCertificate;
  let authorizer: LoadedAuthorizer;

  beforeAll(() => {
    lab = new CertificateLab();
    ca = lab.rootCa({ subject: [['CN', 'Fuzz Root CA']] });
    leaf = ca.issue({ subject: [['CN', 'device-1']] });
    authorizer = loadAuthorizer({
      version: 1,
      gateway: 'Test/Gateway',
      jwtValidators: {},
      apis: {
        partner: {
          name: 'Test/partner',
          operations: [
            {
              method: 'GET',
              path: '/devices',
              authorizer: 'uncached',
              access: {
                kind: 'clientCertificate',
                identities: [{ commonName: 'device-1' }],
                certificateAuthorities: [ca.pem],
                revocation: { mode: 'none' },
              },
            },
          ],
        },
      },
    });
  });

  afterAll(() => {
    authorizer.dispose();
    lab.dispose();
  });

  function body(pem: string): Buffer {
    return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  }

  test('never throws and allows only the issued certificate', async () => {
    const x509 = new X509Certificate(leaf.pem);
    const edit = fc.record({ at: fc.nat(), char: fc.constantFrom(...'AZaz09+/=-\n '.split('')) });
    let allowed = 0;
    const pem = fc.oneof(
      fc.constant(leaf.pem),
      fc.string(),
      fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) =>
        edits.reduce((text, { at, char }) => {
          const index = at % text.length;
          return text.slice(0, index) + char + text.slice(index + 1);
        }, leaf.pem),
      ),
      fc.nat({ max: leaf.pem.length }).map((length) => leaf.pem.slice(0, length)),
    );
    const names = fc.oneof(fc.constant(x509.subject.split('\n').reverse().join(',')), fc.string());
    await fc.assert(
      fc.asyncProperty(pem, names, fc.string(), async (clientCertPem, subjectDN, serialNumber) => {
        const event = requestEvent({
          api: 'partner',
          resource: '/devices',
          clientCert: { clientCertPem, subjectDN, issuerDN: subjectDN, serialNumber },
        });

        const call = await invoke(authorizer, event);

        expect(SAFE_OUTCOMES).toContain(call.outcome);
        if (call.outcome === 'allow') {
          allowed += 1;
          expect(body(clientCertPem).equals(leaf.der)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );

    // Without allowed runs the property would hold trivially.
    expect(allowed).toBeGreaterThan(0);
  });
});

describe('subscription keys in headers and query strings', () => {
  const TABLE_VARIABLE = 'GATEHOUSE_SUBSCRIPTION_TABLE_FUZZ';
  const savedEnv = { ...process.env };
  let registry: RegistryServer;
  let authorizer: LoadedAuthorizer;
  let key: string;

  beforeAll(async () => {
    registry = await startRegistryServer();
    const manager = new SubscriptionManager({
      store: new SubscriptionStore(registry.client, registry.tableName),
      catalog,
    });
    const created = await manager.create({ owner: 'fuzz-owner', productId: 'trial' });
    key = created.keys.primary as string;
    Object.assign(process.env, {
      [TABLE_VARIABLE]: registry.tableName,
      AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    const products = Object.fromEntries(
      Object.entries(catalog.products).map(([id, product]) => [id, product.apis]),
    );
    authorizer = loadAuthorizerWithSdk({
      version: 1,
      gateway: 'Test/Gateway',
      jwtValidators: {},
      subscriptionRegistries: {
        main: { tableNameVariable: TABLE_VARIABLE, lookupCacheSeconds: 60, products },
      },
      apis: {
        orders: {
          name: 'Test/orders',
          operations: [
            {
              method: 'GET',
              path: '/orders',
              authorizer: 'uncached',
              access: {
                kind: 'subscriptionKey',
                registry: 'main',
                header: 'x-api-key',
                queryParameter: 'subscription-key',
                optional: false,
              },
            },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    authorizer.dispose();
    process.env = savedEnv;
    await registry.close();
  });

  test('never throws and allows only the registered key', async () => {
    const value = fc.oneof(
      fc.string(),
      fc.constant(key),
      fc.nat({ max: key.length - 1 }).map((length) => key.slice(0, length)),
      fc.constant(`${key} `),
      fc.constant(key.toUpperCase()),
    );
    let allowed = 0;
    const names = fc.constantFrom('x-api-key', 'X-API-Key', 'x-api-key ', 'x_api_key');
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(names, fc.array(value, { minLength: 1, maxLength: 2 }), { maxKeys: 2 }),
        fc.dictionary(
          fc.constantFrom('subscription-key', 'Subscription-Key'),
          fc.array(value, { minLength: 1, maxLength: 2 }),
          { maxKeys: 2 },
        ),
        async (headers, query) => {
          const event = requestEvent({
            api: 'orders',
            resource: '/orders',
            multiValueHeaders: headers,
            multiValueQuery: query,
          });

          const call = await invoke(authorizer, event);

          expect(SAFE_OUTCOMES).toContain(call.outcome);
          if (call.outcome === 'allow') {
            allowed += 1;
            const fromHeader = Object.entries(headers)
              .filter(([name]) => name.toLowerCase() === 'x-api-key')
              .flatMap(([, values]) => values);
            const presented =
              fromHeader.length > 0 ? fromHeader : (query['subscription-key'] ?? []);
            expect(presented.map((item) => item.trim())).toEqual([key]);
            expect(call.result?.usageIdentifierKey).toBe(key);
          }
        },
      ),
      { numRuns: 150 },
    );

    // Without allowed runs the property would hold trivially.
    expect(allowed).toBeGreaterThan(0);
  });
});
