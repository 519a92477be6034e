import type { AuthorizerConfig, OperationConfig } from '../../../lambda/policy/config';
import {
  Invocation,
  LoadedAuthorizer,
  iamResourceMatches,
  invoke,
  loadAuthorizer,
} from '../../support/authorizer';
import { methodArn, requestEvent } from '../../support/events';
import { SigningKey, generateSigningKey, signJwt, standardClaims } from '../../support/jwt';
import {
  authorizerConfig,
  jwtRequirement,
  jwtValidatorConfig,
  operation,
} from '../../support/policy-config';

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'api://orders';

let key: SigningKey;
const loaded: LoadedAuthorizer[] = [];

beforeAll(() => {
  key = generateSigningKey('ES256');
});

afterAll(() => {
  loaded.forEach((authorizer) => authorizer.dispose());
});

const validator = () =>
  jwtValidatorConfig(
    ISSUER,
    { kind: 'inline', keys: [key.jwk] },
    {
      forwardClaims: [
        { claim: 'oid', contextKey: 'objectId' },
        { claim: 'roles', contextKey: 'roles' },
        { claim: 'tenant.region', contextKey: 'region' },
        { claim: 'missing', contextKey: 'missing' },
      ],
    },
  );

function load(config: AuthorizerConfig | Record<string, unknown>): LoadedAuthorizer {
  const authorizer = loadAuthorizer(config);
  loaded.push(authorizer);
  return authorizer;
}

function call(
  authorizer: LoadedAuthorizer,
  claims: Record<string, unknown>,
  method: string,
  resource: string,
): Promise<Invocation> {
  const token = signJwt(key, standardClaims(ISSUER, AUDIENCE, claims));
  return invoke(
    authorizer,
    requestEvent({ method, resource, headers: { Authorization: `Bearer ${token}` } }),
  );
}

function resources(invocation: Invocation): string[] {
  return (
    invocation.result?.policyDocument.Statement.flatMap((statement) => statement.Resource) ?? []
  );
}

/** Tells whether the returned policy would let a cached caller into `method path`. */
function covers(invocation: Invocation, method: string, path: string): boolean {
  const allows = invocation.result?.policyDocument.Statement[0].Effect === 'Allow';
  return (
    allows &&
    resources(invocation).some((pattern) => iamResourceMatches(pattern, methodArn(method, path)))
  );
}

describe('bundled authorizer: required claims', () => {
  const claimOperation = (match: 'all' | 'any', claim: string, values: string[]) =>
    load(
      authorizerConfig(validator(), [
        operation('GET', '/orders', jwtRequirement([{ claim, values, match }])),
      ]),
    );

  test.each([
    [
      'all over an array',
      'all',
      'roles',
      ['Orders.Read', 'Orders.Write'],
      { roles: ['Orders.Write', 'Orders.Read'] },
    ],
    [
      'any over an array',
      'any',
      'roles',
      ['Orders.Admin', 'Orders.Read'],
      { roles: ['Orders.Read'] },
    ],
    [
      'all over a space-separated string',
      'all',
      'scope',
      ['orders.read', 'orders.write'],
      { scope: 'orders.write  orders.read' },
    ],
    [
      'any over a space-separated string',
      'any',
      'scp',
      ['a', 'orders.read'],
      { scp: 'orders.read' },
    ],
    [
      'a nested claim',
      'all',
      'realm_access.roles',
      ['admin'],
      { realm_access: { roles: ['admin'] } },
    ],
    [
      'a namespaced claim with dots',
      'all',
      'https://example.com/roles',
      ['admin'],
      { 'https://example.com/roles': ['admin'] },
    ],
  ] as const)('allows %s', async (_name, match, claim, values, claims) => {
    const authorizer = claimOperation(match, claim, [...values]);

    const result = await call(authorizer, claims, 'GET', '/orders');

    expect(result.outcome).toBe('allow');
  });

  test.each([
    [
      'all over an array with one value absent',
      'all',
      'roles',
      ['Orders.Read', 'Orders.Write'],
      { roles: ['Orders.Read'] },
      'CLAIM_NOT_SATISFIED',
    ],
    [
      'any over an array with no value present',
      'any',
      'roles',
      ['Orders.Admin'],
      { roles: ['Orders.Read'] },
      'CLAIM_NOT_SATISFIED',
    ],
    [
      'all over a space-separated string with one absent',
      'all',
      'scope',
      ['orders.read', 'orders.write'],
      { scope: 'orders.read' },
      'CLAIM_NOT_SATISFIED',
    ],
    [
      'a value that is only a substring',
      'any',
      'scope',
      ['orders'],
      { scope: 'orders.read' },
      'CLAIM_NOT_SATISFIED',
    ],
    ['a missing claim', 'any', 'roles', ['Orders.Read'], {}, 'CLAIM_MISSING'],
    [
      'a claim that is an object',
      'any',
      'roles',
      ['Orders.Read'],
      { roles: { 'Orders.Read': true } },
      'CLAIM_MISSING',
    ],
    ['a claim that is a number', 'any', 'level', ['1'], { level: 1 }, 'CLAIM_MISSING'],
  ] as const)('denies with 403: %s', async (_name, match, claim, values, claims, code) => {
    const authorizer = claimOperation(match, claim, [...values]);

    const result = await call(authorizer, claims, 'GET', '/orders');

    expect(result.outcome).toBe('deny');
    expect(result.result?.policyDocument.Statement[0].Resource).toEqual([
      methodArn('GET', '/orders'),
    ]);
    expect(result.log.code).toBe(code);
    expect(result.log.status).toBe(403);
  });

  test('applies the validator claims to every operation', async () => {
    const strict = {
      ...validator(),
      claims: [{ claim: 'tid', values: ['tenant-a'], match: 'all' as const }],
    };
    const authorizer = load(
      authorizerConfig(strict, [operation('GET', '/orders', jwtRequirement())]),
    );

    const result = await call(authorizer, { tid: 'tenant-b' }, 'GET', '/orders');

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('CLAIM_NOT_SATISFIED');
  });
});

describe('bundled authorizer: context and principal', () => {
  test('forwards claims into the context as strings', async () => {
    const authorizer = load(
      authorizerConfig(validator(), [operation('GET', '/orders', jwtRequirement())]),
    );
    const claims = { oid: 'object-1', roles: ['a', 'b'], tenant: { region: 'eu' } };

    const result = await call(authorizer, claims, 'GET', '/orders');

    expect(result.result?.context).toEqual({ objectId: 'object-1', roles: 'a b', region: 'eu' });
    expect(result.result?.principalId).toBe('user-123');
    expect(result.log.principal).toBe('user-123');
  });
});

describe('bundled authorizer: operations in the returned policy', () => {
  const admin = jwtRequirement([{ claim: 'roles', values: ['admin'], match: 'all' }]);
  const itemsScope = jwtRequirement([{ claim: 'scope', values: ['items.read'], match: 'all' }]);
  const operations: OperationConfig[] = [
    operation('GET', '/orders', jwtRequirement()),
    operation('GET', '/orders/{id}', jwtRequirement()),
    operation('DELETE', '/orders/{id}', admin),
    operation('GET', '/orders/{id}/items', itemsScope),
    operation('POST', '/orders', admin),
    operation('GET', '/reports', jwtRequirement(), 'other-authorizer'),
    operation('ANY', '/admin/{proxy+}', admin),
  ];
  const authorizer = () => load(authorizerConfig(validator(), operations));

  test('lists every operation of the authorizer the caller passes', async () => {
    const result = await call(
      authorizer(),
      { roles: ['admin'], scope: 'items.read' },
      'GET',
      '/orders',
    );

    expect(covers(result, 'GET', '/orders')).toBe(true);
    expect(covers(result, 'GET', '/orders/7')).toBe(true);
    expect(covers(result, 'DELETE', '/orders/7')).toBe(true);
    expect(covers(result, 'GET', '/orders/7/items')).toBe(true);
    expect(covers(result, 'PATCH', '/admin/a/b')).toBe(true);
  });

  test('never covers an operation whose claims the caller lacks', async () => {
    const result = await call(authorizer(), {}, 'GET', '/orders/{id}');

    expect(result.outcome).toBe('allow');
    expect(covers(result, 'GET', '/orders/1')).toBe(true);
    expect(covers(result, 'GET', '/orders')).toBe(true);
    expect(covers(result, 'GET', '/orders/2')).toBe(false);
    expect(covers(result, 'DELETE', '/orders/1')).toBe(false);
    expect(covers(result, 'GET', '/orders/1/items')).toBe(false);
    expect(covers(result, 'POST', '/orders')).toBe(false);
    expect(covers(result, 'GET', '/admin/x')).toBe(false);
  });

  test('leaves out operations of another authorizer', async () => {
    const result = await call(authorizer(), { roles: ['admin'] }, 'GET', '/orders');

    expect(covers(result, 'GET', '/reports')).toBe(false);
  });

  test('uses a wildcard for ANY and for path parameters', async () => {
    const result = await call(
      authorizer(),
      { roles: ['admin'], scope: 'items.read' },
      'GET',
      '/orders',
    );

    expect(resources(result)).toContain(methodArn('*', '/admin/*'));
    expect(resources(result)).toContain(methodArn('DELETE', '/orders/*'));
  });

  test('denies the request when its own operation fails even if others pass', async () => {
    const result = await call(authorizer(), {}, 'POST', '/orders');

    expect(result.outcome).toBe('deny');
    expect(result.result?.policyDocument.Statement[0].Resource).toEqual([
      methodArn('POST', '/orders'),
    ]);
    expect(resources(result)).not.toContain(methodArn('POST', '/orders/*'));
  });

  test('prefers an exact method over ANY on the same path', async () => {
    const config = authorizerConfig(validator(), [
      operation('ANY', '/orders', admin),
      operation('GET', '/orders', jwtRequirement()),
    ]);

    const result = await call(load(config), {}, 'GET', '/orders');

    expect(result.outcome).toBe('allow');
    expect(result.log.operation).toBe('GET /orders');
  });

  test('echoes no wildcard from the request path', async () => {
    const token = signJwt(key, standardClaims(ISSUER, AUDIENCE));
    const event = requestEvent({
      resource: '/orders/{id}',
      path: '/orders/*',
      headers: { Authorization: `Bearer ${token}` },
    });

    const result = await invoke(authorizer(), event);

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('UNSAFE_METHOD_ARN');
    expect(resources(result)).toEqual([methodArn('GET', '/orders/*')]);
  });
});

describe('bundled authorizer: unknown requests and bad config', () => {
  test.each([
    ['an unknown API', { api: 'billing' }, 'API_NOT_FOUND'],
    ['an unknown path', { resource: '/unknown' }, 'OPERATION_NOT_FOUND'],
    ['an unknown method', { method: 'PUT' }, 'OPERATION_NOT_FOUND'],
    ['an API named like an object property', { api: '__proto__' }, 'API_NOT_FOUND'],
  ])('denies %s', async (_name, options, code) => {
    const authorizer = load(
      authorizerConfig(validator(), [operation('GET', '/orders', { kind: 'anonymous' })]),
    );

    const result = await invoke(authorizer, requestEvent(options));

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe(code);
  });

  test('allows an anonymous operation without a token', async () => {
    const authorizer = load(
      authorizerConfig(validator(), [operation('GET', '/orders', { kind: 'anonymous' })]),
    );

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('allow');
    expect(result.result?.principalId).toBe('anonymous');
  });

  test('denies every request when the config version is unknown', async () => {
    const config = {
      ...authorizerConfig(validator(), [operation('GET', '/orders', { kind: 'anonymous' })]),
      version: 2,
    };
    const authorizer = load(config);

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('INTERNAL_ERROR');
    expect(result.log.reason).toContain('expected 1');
  });

  test('denies a requirement of an unknown kind', async () => {
    const access = { kind: 'telepathy' } as unknown as OperationConfig['access'];
    const authorizer = load(authorizerConfig(validator(), [operation('GET', '/orders', access)]));

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('INTERNAL_ERROR');
  });

  test('denies a jwt requirement naming a missing validator', async () => {
    const access = { kind: 'jwt' as const, validator: 'nope', claims: [] };
    const authorizer = load(authorizerConfig(validator(), [operation('GET', '/orders', access)]));

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('INTERNAL_ERROR');
  });
});

describe('bundled authorizer: allOf and anyOf', () => {
  const adminRole = { claim: 'roles', values: ['admin'], match: 'all' as const };
  const readScope = { claim: 'scope', values: ['read'], match: 'all' as const };

  test.each([
    ['allOf with every part passing', 'allOf', { roles: ['admin'], scope: 'read' }, 'allow'],
    ['allOf with one part failing', 'allOf', { roles: ['admin'] }, 'deny'],
    ['anyOf with one part passing', 'anyOf', { scope: 'read' }, 'allow'],
    ['anyOf with no part passing', 'anyOf', {}, 'deny'],
  ] as const)('%s', async (_name, kind, claims, outcome) => {
    const access = { kind, of: [jwtRequirement([adminRole]), jwtRequirement([readScope])] };
    const authorizer = load(authorizerConfig(validator(), [operation('GET', '/orders', access)]));

    const result = await call(authorizer, claims, 'GET', '/orders');

    expect(result.outcome).toBe(outcome);
  });

  test('anyOf without a token reports 401', async () => {
    const access = {
      kind: 'anyOf' as const,
      of: [jwtRequirement([adminRole]), jwtRequirement([readScope])],
    };
    const authorizer = load(authorizerConfig(validator(), [operation('GET', '/orders', access)]));

    const result = await invoke(authorizer, requestEvent());

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('TOKEN_MISSING');
  });
});
