import { join } from 'node:path';
import type { AuthorizerConfig, BackendCredentialConfig } from '../../../lambda/policy/config';
import type {
  BrokerRequest,
  BrokerResponse,
  TokenBrokerConfig,
} from '../../../lambda/token-broker/config';
import { invoke, LoadedAuthorizer } from '../../support/authorizer';
import { requestEvent } from '../../support/events';
import { jwtValidatorConfig } from '../../support/policy-config';
import { CALLER_ISSUER, CLIENTS, LocalProvider, startProvider } from './provider';
import {
  bundleHandler,
  listen,
  LocalServer,
  loadBundle,
  readBody,
  startSecretsManager,
  useLocalAws,
} from './support';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:exchange-AbCdEf';
const BROKER_ARN = 'arn:aws:lambda:eu-west-1:111111111111:function:broker';
type Broker = { handler(event: BrokerRequest): Promise<BrokerResponse> };

describe('token exchange through the bundled authorizer', () => {
  let provider: LocalProvider;
  let secretsManager: Awaited<ReturnType<typeof startSecretsManager>>;
  let lambdaService: LocalServer;
  let authorizer: LoadedAuthorizer;
  const disposers: (() => void)[] = [];

  beforeAll(async () => {
    provider = await startProvider();
    secretsManager = await startSecretsManager(new Map([[SECRET_ARN, CLIENTS.exchange.secret]]));
    process.env.TEST_EXCHANGE_SECRET = SECRET_ARN;
    const brokerConfig: TokenBrokerConfig = {
      version: 1,
      connections: {
        orders: {
          kind: 'tokenExchange',
          tokenEndpoint: provider.tokenEndpoint,
          clientId: CLIENTS.exchange.id,
          clientAuthentication: {
            method: 'client_secret_basic',
            secretArnVariable: 'TEST_EXCHANGE_SECRET',
          },
          audience: 'https://orders.backend.test',
        },
      },
      cache: {
        expiryMarginSeconds: 60,
        defaultLifetimeSeconds: 300,
        maxLifetimeSeconds: 3600,
        failureBackoffSeconds: 5,
        maxFailureBackoffSeconds: 60,
      },
      requestTimeoutMs: 2000,
      secretRefreshSeconds: 300,
    };
    const broker = loadBundle<Broker>(await bundleHandler('token-broker'), brokerConfig);
    disposers.push(broker.dispose);
    lambdaService = await listen(async (request, response) => {
      const reply = await broker.module.handler(
        JSON.parse(await readBody(request)) as BrokerRequest,
      );
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(reply));
    });
    useLocalAws({ secretsManager: secretsManager.url });
    process.env.AWS_ENDPOINT_URL_LAMBDA = lambdaService.url;
    process.env.GATEHOUSE_TOKEN_BROKER_ARN = BROKER_ARN;

    const credential: BackendCredentialConfig = {
      connection: 'orders',
      subjectValidator: 'main',
      contextKey: 'backendAuthorization',
      brokerTimeoutMs: 3000,
    };
    const config: AuthorizerConfig = {
      version: 1,
      gateway: 'Test/Gateway',
      jwtValidators: {
        main: jwtValidatorConfig(
          CALLER_ISSUER,
          { kind: 'inline', keys: [provider.callerPublicJwk] },
          { audiences: ['gateway'], algorithms: ['ES256'] },
        ),
      },
      apis: {
        orders: {
          name: 'Test/Orders',
          operations: [
            {
              method: 'GET',
              path: '/orders',
              authorizer: 'uncached',
              access: {
                kind: 'allOf',
                of: [
                  { kind: 'jwt', validator: 'main', claims: [] },
                  { kind: 'backendCredential', ...credential },
                ],
              },
              backendCredential: credential,
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
    await Promise.all([provider?.close(), secretsManager?.close(), lambdaService?.close()]);
  });

  test('sends the backend a token with the caller as subject', async () => {
    const callerToken = await provider.signCallerToken('user-7');

    const result = await invoke(
      authorizer,
      requestEvent({ resource: '/orders', headers: { Authorization: `Bearer ${callerToken}` } }),
    );
    const header = String(result.result?.context?.backendAuthorization);
    const claims = await provider.verifyExchangedToken(header.slice('Bearer '.length));

    expect(result.outcome).toBe('allow');
    expect(claims.sub).toBe('user-7');
    expect(claims.aud).toBe('https://orders.backend.test');
  });

  test('never exchanges a token the validator rejects', async () => {
    const requestsBefore = await provider.tokenRequests();

    const result = await invoke(
      authorizer,
      requestEvent({ resource: '/orders', headers: { Authorization: 'Bearer not.a.token' } }),
    );

    expect(result.outcome).toBe('unauthorized');
    expect(await provider.tokenRequests()).toBe(requestsBefore);
  });
});
