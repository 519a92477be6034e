import type {
  AccessRequirement,
  AuthorizerConfig,
  OperationConfig,
} from '../../../lambda/policy/config';
import { SubscriptionManager } from '../../../lambda/subscriptions/manager';
import { KeyValues } from '../../../lambda/subscriptions/reconcile';
import { SubscriptionStore } from '../../../lambda/subscriptions/store';
import { Invocation, LoadedAuthorizer, invoke } from '../../support/authorizer';
import { requestEvent } from '../../support/events';
import { SigningKey, generateSigningKey, signJwt, standardClaims } from '../../support/jwt';
import { jwtValidatorConfig } from '../../support/policy-config';
import { catalog } from '../subscriptions/catalog-fixture';
import { RegistryServer, startRegistryServer } from '../subscriptions/registry-server';
import { loadAuthorizerWithSdk } from './load-authorizer';

const TABLE_VARIABLE = 'GATEHOUSE_SUBSCRIPTION_TABLE_TEST';
const ISSUER = 'https://idp.example.com/';

let registry: RegistryServer;
let manager: SubscriptionManager;
let signingKey: SigningKey;
const loaded: LoadedAuthorizer[] = [];
const savedEnv = { ...process.env };

function keyRequirement(overrides: Partial<AccessRequirement> = {}): AccessRequirement {
  return {
    kind: 'subscriptionKey',
    registry: 'main',
    header: 'x-api-key',
    queryParameter: 'subscription-key',
    optional: false,
    ...overrides,
  } as AccessRequirement;
}

function op(
  method: OperationConfig['method'],
  path: string,
  access: AccessRequirement,
): OperationConfig {
  return { method, path, authorizer: 'uncached', access };
}

/** Builds the config as the constructs would compile it for the fixture's products. */
function configWith(lookupCacheSeconds: number): AuthorizerConfig {
  const products = Object.fromEntries(
    Object.entries(catalog.products).map(([id, product]) => [id, product.apis]),
  );
  return {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: { main: jwtValidatorConfig(ISSUER, { kind: 'inline', keys: [signingKey.jwk] }) },
    subscriptionRegistries: {
      main: { tableNameVariable: TABLE_VARIABLE, lookupCacheSeconds, products },
    },
    apis: {
      orders: {
        name: 'Test/Gateway/orders',
        operations: [
          op('GET', '/orders', keyRequirement()),
          op('GET', '/menu', keyRequirement({ optional: true } as Partial<AccessRequirement>)),
          op('POST', '/orders', {
            kind: 'allOf',
            of: [{ kind: 'jwt', validator: 'main', claims: [] }, keyRequirement()],
          }),
        ],
      },
      catalog: {
        name: 'Test/Gateway/catalog',
        operations: [op('GET', '/items', keyRequirement())],
      },
      billing: {
        name: 'Test/Gateway/billing',
        operations: [op('GET', '/invoices', keyRequirement())],
      },
    },
  };
}

function authorizer(lookupCacheSeconds = 60): LoadedAuthorizer {
  const instance = loadAuthorizerWithSdk(configWith(lookupCacheSeconds));
  loaded.push(instance);
  return instance;
}

function call(
  instance: LoadedAuthorizer,
  options: {
    api?: string;
    method?: string;
    resource?: string;
    headers?: Record<string, string>;
    query?: Record<string, string>;
    multiValueHeaders?: Record<string, string[]>;
  } = {},
): Promise<Invocation> {
  return invoke(instance, requestEvent({ api: 'orders', resource: '/orders', ...options }));
}

async function subscribe(
  productId: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; keys: KeyValues }> {
  const result = await manager.create({
    owner: `owner-${Math.random().toString(36).slice(2, 8)}`,
    productId,
    acceptTerms: catalog.products[productId].termsOfUseVersion,
    ...extra,
  });
  return { id: result.subscription.id, keys: result.keys };
}

beforeAll(async () => {
  registry = await startRegistryServer();
  manager = new SubscriptionManager({
    store: new SubscriptionStore(registry.client, registry.tableName),
    catalog,
  });
  signingKey = generateSigningKey('ES256');
  Object.assign(process.env, {
    [TABLE_VARIABLE]: registry.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });
});

afterAll(async () => {
  loaded.forEach((instance) => instance.dispose());
  process.env = savedEnv;
  await registry.close();
});

describe('subscription key source', () => {
  test('allows a key in the header and meters it', async () => {
    const { keys } = await subscribe('trial');

    const result = await call(authorizer(), { headers: { 'x-api-key': keys.primary as string } });

    expect(result.outcome).toBe('allow');
    expect(result.result?.usageIdentifierKey).toBe(keys.primary);
  });

  test('allows a key in the query parameter', async () => {
    const { keys } = await subscribe('trial');

    const result = await call(authorizer(), {
      query: { 'subscription-key': keys.secondary as string },
    });

    expect(result.outcome).toBe('allow');
    expect(result.result?.usageIdentifierKey).toBe(keys.secondary);
  });

  test('uses the header when both carry a key', async () => {
    const first = await subscribe('trial');
    const second = await subscribe('trial');

    const result = await call(authorizer(), {
      headers: { 'x-api-key': first.keys.primary as string },
      query: { 'subscription-key': second.keys.primary as string },
    });

    expect(result.result?.usageIdentifierKey).toBe(first.keys.primary);
    expect(result.result?.context?.subscriptionId).toBe(first.id);
  });

  test('denies a wrong header key even with a good query key', async () => {
    const { keys } = await subscribe('trial');

    const result = await call(authorizer(), {
      headers: { 'x-api-key': 'ghk_notARealKeyButLongEnough0000000000000000' },
      query: { 'subscription-key': keys.primary as string },
    });

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('SUBSCRIPTION_KEY_INVALID');
  });

  test.each(['X-API-KEY', 'X-Api-Key', 'x-Api-kEY'])('matches header name %s', async (name) => {
    const { keys } = await subscribe('trial');

    const result = await call(authorizer(), { headers: { [name]: keys.primary as string } });

    expect(result.outcome).toBe('allow');
  });

  test('does not match a query parameter name in another case', async () => {
    const { keys } = await subscribe('trial');

    const result = await call(authorizer(), {
      query: { 'Subscription-Key': keys.primary as string },
    });

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('SUBSCRIPTION_KEY_MISSING');
  });

  test('denies a request without a key as missing', async () => {
    const result = await call(authorizer());

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('SUBSCRIPTION_KEY_MISSING');
    expect(result.log.reason).toMatch(/header x-api-key or query parameter subscription-key/);
  });

  test('denies a key the registry does not know', async () => {
    const result = await call(authorizer(), {
      headers: { 'x-api-key': 'ghk_unknownKeyValue000000000000000000000000' },
    });

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('SUBSCRIPTION_KEY_INVALID');
  });

  test.each(['short', 'ghk_has spaces in it but long enough', 'x'.repeat(129)])(
    'denies malformed key %s',
    async (value) => {
      const result = await call(authorizer(), { headers: { 'x-api-key': value } });

      expect(result.outcome).toBe('unauthorized');
      expect(result.log.code).toBe('SUBSCRIPTION_KEY_INVALID');
    },
  );

  test('denies a key repeated in the header', async () => {
    const { keys } = await subscribe('trial');

    const result = await call(authorizer(), {
      multiValueHeaders: { 'x-api-key': [keys.primary as string, keys.secondary as string] },
    });

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.reason).toMatch(/given 2 times/);
  });

  test('never writes the key to the log', async () => {
    const { keys } = await subscribe('trial');
    const instance = authorizer();

    const allowed = await call(instance, { headers: { 'x-api-key': keys.primary as string } });
    const denied = await call(instance, {
      api: 'billing',
      resource: '/invoices',
      headers: { 'x-api-key': keys.primary as string },
    });

    expect(allowed.rawLog).not.toContain(keys.primary);
    expect(denied.rawLog).not.toContain(keys.primary);
  });
});

describe('subscription states', () => {
  test('denies a submitted subscription', async () => {
    const { keys } = await subscribe('paid');

    const result = await call(authorizer(), { headers: { 'x-api-key': keys.primary as string } });

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('SUBSCRIPTION_NOT_ACTIVE');
    expect(result.log.reason).toMatch(/is submitted, only active passes/);
  });

  test.each([
    ['suspend', 'suspended'],
    ['cancel', 'cancelled'],
  ] as const)('denies a subscription after %s', async (transition, state) => {
    const { id, keys } = await subscribe('trial');
    await manager.transition(id, transition);

    const result = await call(authorizer(), { headers: { 'x-api-key': keys.primary as string } });

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('SUBSCRIPTION_NOT_ACTIVE');
    expect(result.log.reason).toMatch(new RegExp(`is ${state}`));
  });

  test('denies a rejected subscription', async () => {
    const { id, keys } = await subscribe('paid');
    await manager.transition(id, 'reject');

    const result = await call(authorizer(), { headers: { 'x-api-key': keys.primary as string } });

    expect(result.log.code).toBe('SUBSCRIPTION_NOT_ACTIVE');
    expect(result.log.reason).toMatch(/is rejected/);
  });

  test('denies an active subscription past its expiry', async () => {
    const { keys } = await subscribe('trial', { expiresAt: '2020-01-01T00:00:00Z' });

    const result = await call(authorizer(), { headers: { 'x-api-key': keys.primary as string } });

    expect(result.log.code).toBe('SUBSCRIPTION_NOT_ACTIVE');
    expect(result.log.reason).toMatch(/is expired/);
  });

  test('allows an approved subscription', async () => {
    const { id, keys } = await subscribe('paid');
    await manager.transition(id, 'approve');

    const result = await call(authorizer(), { headers: { 'x-api-key': keys.primary as string } });

    expect(result.outcome).toBe('allow');
  });

  test('denies the old key and allows the new one after regenerate', async () => {
    const { id, keys } = await subscribe('trial');
    const regenerated = await manager.regenerate(id, 'primary');
    const instance = authorizer();

    const oldKey = await call(instance, { headers: { 'x-api-key': keys.primary as string } });
    const newKey = await call(instance, {
      headers: { 'x-api-key': regenerated.keys.primary as string },
    });
    const otherKey = await call(instance, { headers: { 'x-api-key': keys.secondary as string } });

    expect(oldKey.log.code).toBe('SUBSCRIPTION_KEY_INVALID');
    expect(newKey.outcome).toBe('allow');
    expect(otherKey.outcome).toBe('allow');
  });
});

describe('subscription scopes', () => {
  test('denies a product key on an API outside the product', async () => {
    const { keys } = await subscribe('trial');

    const result = await call(authorizer(), {
      api: 'billing',
      resource: '/invoices',
      headers: { 'x-api-key': keys.primary as string },
    });

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('SUBSCRIPTION_SCOPE_MISMATCH');
    expect(result.log.reason).toMatch(
      /of product trial with scope product does not cover API billing/,
    );
  });

  test('allows a product key on another API of the product', async () => {
    const { keys } = await subscribe('trial');

    const result = await call(authorizer(), {
      api: 'catalog',
      resource: '/items',
      headers: { 'x-api-key': keys.primary as string },
    });

    expect(result.outcome).toBe('allow');
  });

  test('allows an API key on its own API only', async () => {
    const { keys } = await subscribe('trial', { scope: { kind: 'api', api: 'catalog' } });
    const instance = authorizer();

    const own = await call(instance, {
      api: 'catalog',
      resource: '/items',
      headers: { 'x-api-key': keys.primary as string },
    });
    const other = await call(instance, { headers: { 'x-api-key': keys.primary as string } });

    expect(own.outcome).toBe('allow');
    expect(other.log.code).toBe('SUBSCRIPTION_SCOPE_MISMATCH');
  });

  test('allows an all-APIs key everywhere', async () => {
    const { id, keys } = await subscribe('paid', { scope: { kind: 'all' } });
    await manager.transition(id, 'approve');
    const instance = authorizer();

    const outcomes = [];
    for (const [api, resource] of [
      ['orders', '/orders'],
      ['catalog', '/items'],
      ['billing', '/invoices'],
    ]) {
      outcomes.push(
        (await call(instance, { api, resource, headers: { 'x-api-key': keys.primary as string } }))
          .outcome,
      );
    }

    expect(outcomes).toEqual(['allow', 'allow', 'allow']);
  });
});

describe('optional and combined keys', () => {
  test('optional key lets a caller without a key through', async () => {
    const result = await call(authorizer(), { resource: '/menu' });

    expect(result.outcome).toBe('allow');
    expect(result.result?.usageIdentifierKey).toBeUndefined();
  });

  test('optional key still denies a wrong key', async () => {
    const result = await call(authorizer(), {
      resource: '/menu',
      headers: { 'x-api-key': 'ghk_wrongKeyValue00000000000000000000000000' },
    });

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('SUBSCRIPTION_KEY_INVALID');
  });

  test('key with a JWT needs both', async () => {
    const { keys } = await subscribe('trial');
    const token = signJwt(signingKey, standardClaims(ISSUER, 'api://orders'));
    const instance = authorizer();

    const keyOnly = await call(instance, {
      method: 'POST',
      headers: { 'x-api-key': keys.primary as string },
    });
    const tokenOnly = await call(instance, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const both = await call(instance, {
      method: 'POST',
      headers: { 'x-api-key': keys.primary as string, authorization: `Bearer ${token}` },
    });

    expect(keyOnly.outcome).toBe('unauthorized');
    expect(tokenOnly.log.code).toBe('SUBSCRIPTION_KEY_MISSING');
    expect(both.outcome).toBe('allow');
    expect(both.result?.usageIdentifierKey).toBe(keys.primary);
  });
});

describe('subscription lookup cache', () => {
  test('a cached allow outlives a suspension until the lookup expires', async () => {
    const { id, keys } = await subscribe('trial');
    const instance = authorizer(2);
    const headers = { 'x-api-key': keys.primary as string };
    await call(instance, { headers });

    await manager.transition(id, 'suspend');
    const withinCache = await call(instance, { headers });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const afterCache = await call(instance, { headers });

    expect(withinCache.outcome).toBe('allow');
    expect(afterCache.log.code).toBe('SUBSCRIPTION_NOT_ACTIVE');
  });

  test('with caching off a suspension applies to the next request', async () => {
    const { id, keys } = await subscribe('trial');
    const instance = authorizer(0);
    const headers = { 'x-api-key': keys.primary as string };
    await call(instance, { headers });

    await manager.transition(id, 'suspend');
    const next = await call(instance, { headers });

    expect(next.log.code).toBe('SUBSCRIPTION_NOT_ACTIVE');
  });

  test('denies when the registry cannot be reached', async () => {
    const { keys } = await subscribe('trial');
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';
    const instance = authorizer();

    const result = await call(instance, { headers: { 'x-api-key': keys.primary as string } });
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;

    expect(result.outcome).not.toBe('allow');
    expect(result.rawLog).not.toContain(keys.primary);
  });
});
