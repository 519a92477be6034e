import fc from 'fast-check';
import type {
  AccessRequirement,
  AuthorizerConfig,
  HttpMethod,
  OperationConfig,
} from '../../lambda/policy/config';
import { Invocation, LoadedAuthorizer, invoke, loadAuthorizer } from '../support/authorizer';
import { methodArn, requestEvent } from '../support/events';
import {
  SigningKey,
  generateSigningKey,
  nowSeconds,
  signJwt,
  standardClaims,
} from '../support/jwt';
import { jwtValidatorConfig } from '../support/policy-config';
import { policyAllows, resourceMatches } from './iam-policy';
import {
  Caller,
  ReferenceOutcome,
  arbitraryCaller,
  arbitraryRequirement,
  referenceDecision,
} from './reference-model';

const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'api://orders';

/** Operations whose IAM patterns may overlap: `*` in IAM also matches `/`. */
const OVERLAPPING_PATHS = [
  '/orders',
  '/orders/{id}',
  '/orders/{id}/items',
  '/orders/special',
  '/files/{proxy+}',
  '/files/{id}/meta',
] as const;
const OVERLAPPING_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'ANY'];

/**
 * Operations whose patterns never overlap, because no two share a method and a prefix.
 * NOTE: exactness is checked on these only, because with overlapping patterns a cached caller
 * can get 403 on an allowed sibling (see `allowedResourceArns`); widening is checked on both.
 */
const DISJOINT_PATHS = ['/orders', '/orders/{id}', '/health', '/customers/{cid}/orders'] as const;
const DISJOINT_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'DELETE'];

interface Scenario {
  readonly operations: readonly OperationConfig[];
  readonly caller: Caller;
  /** Index of the operation called first, whose response API Gateway caches. */
  readonly first: number;
  /** Path parameter values, so each concrete request differs from the first one. */
  readonly seed: number;
}

function arbitraryScenario(
  paths: readonly string[],
  methods: readonly HttpMethod[],
): fc.Arbitrary<Scenario> {
  const operation = fc.record({
    method: fc.constantFrom(...methods),
    path: fc.constantFrom(...paths),
    authorizer: fc.constantFrom('jwt-default', 'jwt-default', 'other'),
    access: arbitraryRequirement(),
  });
  const operations = fc.uniqueArray(operation, {
    minLength: 1,
    maxLength: 6,
    selector: (op) => `${op.method} ${op.path}`,
  });
  return fc
    .record({ operations, caller: arbitraryCaller(), seed: fc.nat({ max: 1000 }) })
    .chain((value) =>
      fc.nat({ max: value.operations.length - 1 }).map((first) => ({ ...value, first })),
    );
}

let key: SigningKey;
const loaded: LoadedAuthorizer[] = [];

beforeAll(() => {
  key = generateSigningKey('ES256');
});

afterEach(() => {
  loaded.splice(0).forEach((authorizer) => authorizer.dispose());
});

function configFor(operations: readonly OperationConfig[]): AuthorizerConfig {
  return {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: { main: jwtValidatorConfig(ISSUER, { kind: 'inline', keys: [key.jwk] }) },
    apis: { orders: { name: 'Test/orders', operations } },
  };
}

function tokenFor(caller: Caller): string | undefined {
  if (caller.token === 'none') {
    return undefined;
  }
  const exp = caller.token === 'expired' ? nowSeconds() - 3600 : nowSeconds() + 3600;
  return signJwt(key, standardClaims(ISSUER, AUDIENCE, { roles: caller.roles, exp }));
}

/** Builds a concrete request that API Gateway routes to `operation` and to no other. */
function concreteRequest(
  operation: OperationConfig,
  operations: readonly OperationConfig[],
  seed: number,
): { method: string; path: string } {
  const path = operation.path
    .replace(/\{[^}]+\+\}/g, `p${seed}/q${seed}`)
    .replace(/\{[^}]+\}/g, `v${seed}`);
  if (operation.method !== 'ANY') {
    return { method: operation.method, path };
  }
  const taken = operations.filter((op) => op.path === operation.path).map((op) => op.method);
  const method = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH'].find(
    (candidate) => !taken.includes(candidate as HttpMethod),
  )!;
  return { method, path };
}

function call(
  authorizer: LoadedAuthorizer,
  operation: OperationConfig,
  request: { method: string; path: string },
  token: string | undefined,
): Promise<Invocation> {
  return invoke(
    authorizer,
    requestEvent({
      method: request.method,
      resource: operation.path,
      path: request.path,
      headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    }),
  );
}

const OUTCOMES: Record<ReferenceOutcome, Invocation['outcome']> = {
  allow: 'allow',
  forbidden: 'deny',
  unauthorized: 'unauthorized',
};

/**
 * Calls the first operation, then checks every operation of the same authorizer against
 * the cached response: what the cached policy lets through, compared with the reference.
 */
async function cachedVersusDirect(scenario: Scenario) {
  const { operations, caller, first, seed } = scenario;
  const authorizer = loadAuthorizer(configFor(operations));
  loaded.push(authorizer);
  const token = tokenFor(caller);
  const requested = operations[first];

  const cached = await call(
    authorizer,
    requested,
    concreteRequest(requested, operations, seed),
    token,
  );
  expect(cached.outcome).toBe(OUTCOMES[referenceDecision(requested.access, caller)]);

  const rows: { operation: string; cachedAllows: boolean; directAllows: boolean }[] = [];
  if (cached.result === undefined) {
    return rows;
  }
  for (const operation of operations.filter((op) => op.authorizer === requested.authorizer)) {
    const request = concreteRequest(operation, operations, seed + 1);
    rows.push({
      operation: `${operation.method} ${operation.path}`,
      cachedAllows: policyAllows(
        cached.result.policyDocument,
        methodArn(request.method, request.path),
      ),
      directAllows: referenceDecision(operation.access, caller) === 'allow',
    });
  }
  return rows;
}

describe('IAM resource matcher', () => {
  test.each([
    ['GET/orders/*', 'GET/orders/1', true],
    ['GET/orders/*', 'GET/orders/1/items', true],
    ['GET/orders/*', 'GET/orders', false],
    ['*/orders', 'DELETE/orders', true],
    ['GET/orders/?', 'GET/orders/12', false],
    ['GET/orders/?', 'GET/orders/1', true],
    ['GET/orders', 'GET/orders/', false],
  ])('matches %s against %s: %s', (pattern, arn, expected) => {
    expect(resourceMatches(pattern, arn)).toBe(expected);
  });

  test('an explicit Deny wins over an Allow', () => {
    const policy = {
      Statement: [
        { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: ['GET/orders/*'] },
        { Effect: 'Deny', Action: 'execute-api:Invoke', Resource: 'GET/orders/1' },
      ],
    };

    expect(policyAllows(policy, 'GET/orders/1')).toBe(false);
    expect(policyAllows(policy, 'GET/orders/2')).toBe(true);
  });
});

describe('authorizer result cache', () => {
  test('a cached policy never lets a caller into an operation the reference denies', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbitraryScenario(OVERLAPPING_PATHS, OVERLAPPING_METHODS),
        async (scenario) => {
          const rows = await cachedVersusDirect(scenario);
          loaded.splice(0).forEach((authorizer) => authorizer.dispose());

          const widened = rows.filter((row) => row.cachedAllows && !row.directAllows);
          expect(widened).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('a cached policy grants exactly what direct evaluation grants', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryScenario(DISJOINT_PATHS, DISJOINT_METHODS), async (scenario) => {
        const rows = await cachedVersusDirect(scenario);
        loaded.splice(0).forEach((authorizer) => authorizer.dispose());

        const different = rows.filter((row) => row.cachedAllows !== row.directAllows);
        expect(different).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('cached 403', () => {
  const admin: AccessRequirement = {
    kind: 'jwt',
    validator: 'main',
    claims: [{ claim: 'roles', values: ['admin'], match: 'all' }],
  };
  const reader: AccessRequirement = {
    kind: 'jwt',
    validator: 'main',
    claims: [{ claim: 'roles', values: ['reader'], match: 'all' }],
  };
  const operations: OperationConfig[] = [
    { method: 'DELETE', path: '/orders/{id}', authorizer: 'jwt-default', access: admin },
    { method: 'GET', path: '/orders/{id}', authorizer: 'jwt-default', access: reader },
    { method: 'GET', path: '/orders', authorizer: 'jwt-default', access: reader },
  ];
  const caller: Caller = { token: 'valid', roles: ['reader'] };

  async function deniedDelete(): Promise<Invocation> {
    const authorizer = loadAuthorizer(configFor(operations));
    loaded.push(authorizer);
    return call(
      authorizer,
      operations[0],
      { method: 'DELETE', path: '/orders/7' },
      tokenFor(caller),
    );
  }

  test('still allows the operations the caller passes', async () => {
    const denied = await deniedDelete();
    const policy = denied.result!.policyDocument;

    expect(denied.outcome).toBe('deny');
    expect(policyAllows(policy, methodArn('DELETE', '/orders/7'))).toBe(false);
    expect(policyAllows(policy, methodArn('DELETE', '/orders/8'))).toBe(false);
    expect(policyAllows(policy, methodArn('GET', '/orders/8'))).toBe(true);
    expect(policyAllows(policy, methodArn('GET', '/orders'))).toBe(true);
  });

  test('carries the principal of the operations it still allows', async () => {
    const denied = await deniedDelete();

    expect(denied.result?.principalId).toBe('user-123');
    expect(denied.result?.context?.gatehouseCode).toBe('CLAIM_NOT_SATISFIED');
  });
});
