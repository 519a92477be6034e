import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createBasicEvaluator } from '../../lambda/policy/basic/evaluator';
import { hashPassword } from '../../lambda/policy/basic/password-hash';
import { UserStoreCache } from '../../lambda/policy/basic/user-store';
import type { AuthorizerConfig } from '../../lambda/policy/config';
import { EvaluationContext } from '../../lambda/policy/evaluator';
import { AccessDenied } from '../../lambda/policy/failure';
import { SubscriptionManager } from '../../lambda/subscriptions/manager';
import { SubscriptionStore } from '../../lambda/subscriptions/store';
import { GatehouseValidationError } from '../../lib/core/errors';
import { JwtKeys } from '../../lib/jwt-validator/jwt-keys';
import { invoke, loadAuthorizer } from '../support/authorizer';
import { requestEvent } from '../support/events';
import { generateSigningKey, signJwt, standardClaims } from '../support/jwt';
import { jwtValidatorConfig } from '../support/policy-config';
import { newStack, newValidator } from '../lib/helpers';
import { catalog } from '../lambda/subscriptions/catalog-fixture';
import { startRegistryServer } from '../lambda/subscriptions/registry-server';
import { loadAuthorizerWithSdk } from '../lambda/subscription/load-authorizer';
import { SECRET_PATTERNS } from './secret-patterns';

const BUNDLES = join(__dirname, '..', '..', 'dist', 'bundles');
const ISSUER = 'https://idp.example.com/';

/** Returns the secret fragments of a token: the whole token and its signature. */
function tokenSecrets(token: string): string[] {
  return [token, token.split('.')[2]];
}

describe('bundled assets', () => {
  const files = readdirSync(BUNDLES).flatMap((name) =>
    readdirSync(join(BUNDLES, name))
      .filter((file) => file.endsWith('.js'))
      .map((file) => `${name}/${file}`),
  );

  test.each(files)('%s embeds no secret material', (file) => {
    const text = readFileSync(join(BUNDLES, file), 'utf8');

    const hits = SECRET_PATTERNS.filter(({ pattern }) => pattern.test(text)).map(
      ({ name }) => name,
    );

    expect(hits).toEqual([]);
  });
});

describe('synth-time errors', () => {
  test('a private JWK is rejected without echoing it', () => {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = pair.privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
    const stack = newStack();

    const create = () => newValidator(stack, { keys: JwtKeys.fromJwk(privateJwk) });

    expect(create).toThrow(GatehouseValidationError);
    expect(create).not.toThrow(String(privateJwk.d));
  });

  test('a private PEM key is rejected without echoing it', () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const body = pem.split('\n')[1];
    const stack = newStack();

    const create = () => newValidator(stack, { keys: JwtKeys.fromPem(pem) });

    expect(create).toThrow(/private key/);
    expect(create).not.toThrow(body);
  });

  test('a JWKS URL with a password is rejected without echoing it', () => {
    const stack = newStack();

    const create = () =>
      newValidator(stack, {
        keys: JwtKeys.fromJwksUrl('https://user:hunter2-secret@idp.example.com/jwks'),
      });

    expect(create).toThrow(GatehouseValidationError);
    expect(create).not.toThrow('hunter2-secret');
  });
});

describe('authorizer context and logs', () => {
  test('hold neither an allowed nor a denied token', async () => {
    const key = generateSigningKey('ES256');
    const validator = jwtValidatorConfig(
      ISSUER,
      { kind: 'inline', keys: [key.jwk] },
      {
        forwardClaims: [{ claim: 'sub', contextKey: 'subject' }],
      },
    );
    const config: AuthorizerConfig = {
      version: 1,
      gateway: 'Test/Gateway',
      jwtValidators: { main: validator },
      apis: {
        orders: {
          name: 'Test/orders',
          operations: [
            {
              method: 'GET',
              path: '/orders',
              authorizer: 'jwt-default',
              access: {
                kind: 'jwt',
                validator: 'main',
                claims: [{ claim: 'roles', values: ['admin'], match: 'all' }],
              },
            },
          ],
        },
      },
    };
    const authorizer = loadAuthorizer(config);
    const allowed = signJwt(key, standardClaims(ISSUER, 'api://orders', { roles: ['admin'] }));
    const forbidden = signJwt(key, standardClaims(ISSUER, 'api://orders', { roles: [] }));
    const expired = signJwt(key, standardClaims(ISSUER, 'api://orders', { exp: 1 }));

    const calls = await Promise.all(
      [allowed, forbidden, expired].map(async (token) => ({
        token,
        call: await invoke(
          authorizer,
          requestEvent({ headers: { Authorization: `Bearer ${token}` } }),
        ),
      })),
    );
    authorizer.dispose();

    expect(calls.map(({ call }) => call.outcome)).toEqual(['allow', 'deny', 'unauthorized']);
    for (const { token, call } of calls) {
      const written = `${call.rawLog}\n${JSON.stringify(call.result ?? {})}`;
      for (const secret of tokenSecrets(token)) {
        expect(written).not.toContain(secret);
      }
    }
  });

  test('hold no subscription key outside usageIdentifierKey', async () => {
    const registry = await startRegistryServer();
    const savedEnv = { ...process.env };
    try {
      const manager = new SubscriptionManager({
        store: new SubscriptionStore(registry.client, registry.tableName),
        catalog,
      });
      const { keys } = await manager.create({ owner: 'leak-check', productId: 'trial' });
      Object.assign(process.env, {
        GATEHOUSE_SUBSCRIPTION_TABLE_LEAK: registry.tableName,
        AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      });
      const products = Object.fromEntries(
        Object.entries(catalog.products).map(([id, product]) => [id, product.apis]),
      );
      const authorizer = loadAuthorizerWithSdk({
        version: 1,
        gateway: 'Test/Gateway',
        jwtValidators: {},
        subscriptionRegistries: {
          main: {
            tableNameVariable: 'GATEHOUSE_SUBSCRIPTION_TABLE_LEAK',
            lookupCacheSeconds: 0,
            products,
          },
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
                  optional: false,
                },
              },
            ],
          },
          billing: {
            name: 'Test/billing',
            operations: [
              {
                method: 'GET',
                path: '/invoices',
                authorizer: 'uncached',
                access: {
                  kind: 'subscriptionKey',
                  registry: 'main',
                  header: 'x-api-key',
                  optional: false,
                },
              },
            ],
          },
        },
      });
      const key = keys.primary as string;

      const allowed = await invoke(
        authorizer,
        requestEvent({ api: 'orders', headers: { 'x-api-key': key } }),
      );
      const denied = await invoke(
        authorizer,
        requestEvent({ api: 'billing', resource: '/invoices', headers: { 'x-api-key': key } }),
      );
      const unknown = await invoke(
        authorizer,
        requestEvent({ api: 'orders', headers: { 'x-api-key': `${key.slice(0, -2)}zz` } }),
      );
      authorizer.dispose();

      expect(allowed.outcome).toBe('allow');
      expect(allowed.result?.usageIdentifierKey).toBe(key);
      expect(denied.outcome).not.toBe('allow');
      for (const call of [allowed, denied, unknown]) {
        expect(call.rawLog).not.toContain(key.slice(0, -2));
        expect(JSON.stringify(call.result?.context ?? {})).not.toContain(key.slice(0, -2));
      }
    } finally {
      process.env = savedEnv;
      await registry.close();
    }
  });

  test('Basic denials never carry the password or its hash', async () => {
    const password = 'correct horse battery staple';
    const record = await hashPassword(password);
    const secretString = JSON.stringify({ users: { alice: record } });
    process.env.LEAK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:leak';
    const evaluate = createBasicEvaluator(new UserStoreCache(async () => secretString));
    const attempts = [
      `alice:${password}x`,
      `${password}:${password}`,
      `:${password}`,
      `alice\u0001:${password}`,
    ];

    const failures = await Promise.all(
      attempts.map((credentials) =>
        evaluate({ kind: 'basic', userStore: 'leak' }, basicContext(credentials)).then(
          () => new Error('allowed'),
          (error: unknown) => error as Error,
        ),
      ),
    );
    delete process.env.LEAK_SECRET_ARN;

    for (const failure of failures) {
      expect(failure).toBeInstanceOf(AccessDenied);
      expect(failure.message).not.toContain(password);
      expect(failure.message).not.toContain(JSON.stringify(record).slice(20, 60));
    }
  });
});

function basicContext(credentials: string): EvaluationContext {
  const memo = new Map<string, Promise<unknown>>();
  return {
    config: {
      version: 1,
      gateway: 'Test/Gateway',
      jwtValidators: {},
      apis: {},
      basicUserStores: {
        leak: { secretArnVariable: 'LEAK_SECRET_ARN', realm: 'leak', refreshSeconds: 300 },
      },
    } as AuthorizerConfig,
    request: {
      requestId: 'req-leak',
      api: 'orders',
      method: 'GET',
      resourcePath: '/orders',
      methodArn: 'arn:aws:execute-api:eu-west-1:111111111111:abc/prod/GET/orders',
      headers: new Map([
        ['authorization', [`Basic ${Buffer.from(credentials).toString('base64')}`]],
      ]),
      query: new Map(),
      now: Math.floor(Date.now() / 1000),
    },
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      if (!memo.has(key)) {
        memo.set(key, compute());
      }
      return memo.get(key) as Promise<T>;
    },
  };
}
