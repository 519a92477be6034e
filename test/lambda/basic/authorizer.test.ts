import { join } from 'node:path';
import type { AuthorizerConfig } from '../../../lambda/policy/config';
import { hashPassword } from '../../../lambda/policy/basic/password-hash';
import type {
  BrokerRequest,
  BrokerResponse,
  TokenBrokerConfig,
} from '../../../lambda/token-broker/config';
import { invoke, LoadedAuthorizer } from '../../support/authorizer';
import { requestEvent } from '../../support/events';
import {
  bundleHandler,
  closedPortUrl,
  listen,
  LocalServer,
  loadBundle,
  readBody,
  startSecretsManager,
  useLocalAws,
} from '../token-broker/support';

const USERS_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:partners-AbCdEf';
const LEGACY_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:legacy-AbCdEf';
const BROKER_ARN = 'arn:aws:lambda:eu-west-1:111111111111:function:broker';
const PASSWORD = 'wonder:land ✓';
const LEGACY_PASSWORD = 'legacy-backend-password';

type Broker = { handler(event: BrokerRequest): Promise<BrokerResponse> };

function basic(userAndPassword: string): string {
  return `Basic ${Buffer.from(userAndPassword, 'utf8').toString('base64')}`;
}

function credentialOf(connection: string) {
  return { connection, contextKey: 'backendAuthorization', brokerTimeoutMs: 2000 };
}

describe('bundled authorizer with Basic and backend credentials', () => {
  let secretsManager: Awaited<ReturnType<typeof startSecretsManager>>;
  let lambdaService: LocalServer;
  let authorizer: LoadedAuthorizer;
  let brokerCalls = 0;
  const disposers: (() => void)[] = [];

  beforeAll(async () => {
    const users = { alice: await hashPassword(PASSWORD) };
    secretsManager = await startSecretsManager(
      new Map([
        [USERS_ARN, JSON.stringify({ users })],
        [LEGACY_ARN, JSON.stringify({ username: 'gateway', password: LEGACY_PASSWORD })],
      ]),
    );

    process.env.TEST_LEGACY_SECRET = LEGACY_ARN;
    const brokerConfig: TokenBrokerConfig = {
      version: 1,
      connections: {
        legacy: { kind: 'basic', secretArnVariable: 'TEST_LEGACY_SECRET' },
        down: {
          kind: 'clientCredentials',
          tokenEndpoint: `${await closedPortUrl()}/token`,
          clientId: 'gateway',
          clientAuthentication: {
            method: 'client_secret_basic',
            secretArnVariable: 'TEST_LEGACY_SECRET',
          },
        },
      },
      cache: {
        expiryMarginSeconds: 60,
        defaultLifetimeSeconds: 300,
        maxLifetimeSeconds: 3600,
        failureBackoffSeconds: 5,
        maxFailureBackoffSeconds: 60,
      },
      requestTimeoutMs: 1000,
      secretRefreshSeconds: 300,
    };
    const broker = loadBundle<Broker>(await bundleHandler('token-broker'), brokerConfig);
    disposers.push(broker.dispose);

    // Serves Lambda's Invoke API, running the real broker bundle for the named function.
    lambdaService = await listen(async (request, response) => {
      const expectedPath = `/2015-03-31/functions/${encodeURIComponent(BROKER_ARN)}/invocations`;
      if (request.method !== 'POST' || request.url !== expectedPath) {
        response.statusCode = 404;
        response.end(JSON.stringify({ Type: 'User', message: 'Function not found' }));
        return;
      }
      brokerCalls += 1;
      const reply = await broker.module.handler(
        JSON.parse(await readBody(request)) as BrokerRequest,
      );
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(reply));
    });

    useLocalAws({ secretsManager: secretsManager.url });
    process.env.AWS_ENDPOINT_URL_LAMBDA = lambdaService.url;
    process.env.GATEHOUSE_TOKEN_BROKER_ARN = BROKER_ARN;
    process.env.PARTNERS_USERS_ARN = USERS_ARN;

    const partners = { kind: 'basic' as const, userStore: 'partners' };
    const config: AuthorizerConfig = {
      version: 1,
      gateway: 'Test/Gateway',
      jwtValidators: {},
      basicUserStores: {
        partners: {
          secretArnVariable: 'PARTNERS_USERS_ARN',
          realm: 'partners',
          refreshSeconds: 300,
        },
      },
      apis: {
        orders: {
          name: 'Test/Gateway/orders',
          operations: [
            { method: 'GET', path: '/invoices', authorizer: 'uncached', access: partners },
            {
              method: 'GET',
              path: '/legacy',
              authorizer: 'uncached',
              access: {
                kind: 'allOf',
                of: [partners, { kind: 'backendCredential', ...credentialOf('legacy') }],
              },
              backendCredential: credentialOf('legacy'),
            },
            {
              method: 'GET',
              path: '/broken',
              authorizer: 'uncached',
              access: {
                kind: 'allOf',
                of: [partners, { kind: 'backendCredential', ...credentialOf('down') }],
              },
              backendCredential: credentialOf('down'),
            },
          ],
        },
      },
    };
    const bundle = join(__dirname, '..', '..', '..', 'dist', 'bundles', 'authorizer', 'index.js');
    const loaded = loadBundle<Pick<LoadedAuthorizer, 'handler'>>(bundle, config);
    disposers.push(loaded.dispose);
    authorizer = { handler: loaded.module.handler, directory: '', dispose: loaded.dispose };
  });

  afterAll(async () => {
    disposers.forEach((dispose) => dispose());
    delete process.env.AWS_ENDPOINT_URL_LAMBDA;
    await Promise.all([secretsManager?.close(), lambdaService?.close()]);
  });

  const call = (path: string, headers: Record<string, string> = {}) =>
    invoke(authorizer, requestEvent({ resource: path, headers }));

  test('allows a known user with the right password', async () => {
    const result = await call('/invoices', { Authorization: basic(`alice:${PASSWORD}`) });

    expect(result.outcome).toBe('allow');
    expect(result.result?.principalId).toBe('alice');
    expect(result.result?.context?.basicUser).toBe('alice');
  });

  test('keeps the backend credential away from other operations', async () => {
    const result = await call('/invoices', { Authorization: basic(`alice:${PASSWORD}`) });

    expect(result.result?.context?.backendAuthorization).toBeUndefined();
  });

  test.each([
    ['a wrong password', { Authorization: basic('alice:wrong') }, 'BASIC_INVALID'],
    ['an unknown user', { Authorization: basic(`mallory:${PASSWORD}`) }, 'BASIC_INVALID'],
    ['invalid Base64', { Authorization: 'Basic %%%' }, 'BASIC_MALFORMED'],
    ['no colon', { Authorization: basic('alice') }, 'BASIC_MALFORMED'],
    ['no credentials', {}, 'BASIC_MISSING'],
  ])('answers 401 for %s', async (_name, headers, code) => {
    const result = await call('/invoices', headers);

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe(code);
  });

  test('never logs the password of a failed attempt', async () => {
    const result = await call('/invoices', { Authorization: basic('alice:Sup3r-Secret-Guess') });

    expect(result.rawLog).not.toContain('Sup3r-Secret-Guess');
    expect(result.log.reason).toBe("wrong password for Basic user 'alice'");
  });

  test('passes the broker credential for the backend', async () => {
    const result = await call('/legacy', { Authorization: basic(`alice:${PASSWORD}`) });

    const expected = `Basic ${Buffer.from(`gateway:${LEGACY_PASSWORD}`).toString('base64')}`;
    expect(result.outcome).toBe('allow');
    expect(result.result?.context?.backendAuthorization).toBe(expected);
  });

  test('reuses the broker credential until it is due', async () => {
    await call('/legacy', { Authorization: basic(`alice:${PASSWORD}`) });
    const callsBefore = brokerCalls;

    await call('/legacy', { Authorization: basic(`alice:${PASSWORD}`) });

    expect(brokerCalls).toBe(callsBefore);
  });

  test('never asks the broker for a denied caller', async () => {
    const callsBefore = brokerCalls;

    const result = await call('/broken', { Authorization: basic('alice:wrong') });

    expect(result.outcome).toBe('unauthorized');
    expect(brokerCalls).toBe(callsBefore);
  });

  test('denies with 403 when the broker cannot supply a credential', async () => {
    const result = await call('/broken', { Authorization: basic(`alice:${PASSWORD}`) });

    expect(result.outcome).toBe('deny');
    expect(result.log.code).toBe('BACKEND_CREDENTIAL_UNAVAILABLE');
    expect(String(result.log.reason)).toContain('PROVIDER_UNAVAILABLE');
  });

  test('denies when the user store secret cannot be read', async () => {
    process.env.PARTNERS_USERS_ARN = `${USERS_ARN}-missing`;
    jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 3_600_000);

    const result = await call('/invoices', { Authorization: basic(`alice:${PASSWORD}`) });
    jest.restoreAllMocks();
    process.env.PARTNERS_USERS_ARN = USERS_ARN;

    expect(result.outcome).toBe('unauthorized');
    expect(result.log.code).toBe('BASIC_STORE_UNAVAILABLE');
  });
});
