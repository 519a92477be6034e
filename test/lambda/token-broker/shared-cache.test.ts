import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { once } from 'node:events';
import { AddressInfo, Server } from 'node:net';
import type {
  BrokerRequest,
  BrokerResponse,
  TokenBrokerConfig,
} from '../../../lambda/token-broker/config';
import { CLIENTS, LocalProvider, startProvider } from './provider';
import { bundleHandler, loadBundle, startSecretsManager, useLocalAws } from './support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { createTableMs: number }) => Server;

type Broker = { handler(event: BrokerRequest): Promise<BrokerResponse> };
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:post-AbCdEf';
const EXCHANGE_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:exchange-AbCdEf';
const TABLE = 'gatehouse-token-cache';

describe('token broker shared cache', () => {
  let provider: LocalProvider;
  let secretsManager: Awaited<ReturnType<typeof startSecretsManager>>;
  let dynamo: Server;
  let config: TokenBrokerConfig;
  let bundle: string;
  const disposers: (() => void)[] = [];

  beforeAll(async () => {
    provider = await startProvider();
    secretsManager = await startSecretsManager(
      new Map([
        [SECRET_ARN, CLIENTS.post.secret],
        [EXCHANGE_SECRET_ARN, CLIENTS.exchange.secret],
      ]),
    );
    dynamo = dynalite({ createTableMs: 0 });
    dynamo.listen(0, '127.0.0.1');
    await once(dynamo, 'listening');
    const dynamoUrl = `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`;
    useLocalAws({ secretsManager: secretsManager.url, dynamoDb: dynamoUrl });
    await new DynamoDBClient({}).send(
      new CreateTableCommand({
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'cacheKey', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'cacheKey', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    process.env.TEST_POST_SECRET = SECRET_ARN;
    process.env.TEST_EXCHANGE_SECRET = EXCHANGE_SECRET_ARN;
    config = {
      version: 1,
      connections: {
        orders: {
          kind: 'clientCredentials',
          tokenEndpoint: provider.tokenEndpoint,
          clientId: CLIENTS.post.id,
          clientAuthentication: {
            method: 'client_secret_post',
            secretArnVariable: 'TEST_POST_SECRET',
          },
        },
        exchange: {
          kind: 'tokenExchange',
          tokenEndpoint: provider.tokenEndpoint,
          clientId: CLIENTS.exchange.id,
          clientAuthentication: {
            method: 'client_secret_basic',
            secretArnVariable: 'TEST_EXCHANGE_SECRET',
          },
        },
      },
      cache: {
        expiryMarginSeconds: 60,
        defaultLifetimeSeconds: 300,
        maxLifetimeSeconds: 3600,
        failureBackoffSeconds: 30,
        maxFailureBackoffSeconds: 300,
      },
      requestTimeoutMs: 2000,
      secretRefreshSeconds: 300,
    };
    bundle = await bundleHandler('token-broker');
  });

  afterAll(async () => {
    disposers.forEach((dispose) => dispose());
    dynamo?.close();
    await Promise.all([provider?.close(), secretsManager?.close()]);
  });

  function coldBroker(table = TABLE): Broker {
    process.env.GATEHOUSE_TOKEN_CACHE_TABLE = table;
    const loaded = loadBundle<Broker>(bundle, config);
    delete process.env.GATEHOUSE_TOKEN_CACHE_TABLE;
    disposers.push(loaded.dispose);
    return loaded.module;
  }

  test('second instance takes the token from the table', async () => {
    const first = await coldBroker().handler({ connection: 'orders' });
    const requestsAfterFirst = await provider.tokenRequests();

    const second = await coldBroker().handler({ connection: 'orders' });

    expect(second).toEqual(first);
    expect(await provider.tokenRequests()).toBe(requestsAfterFirst);
  });

  test('stores a hash of the subject token, never the token', async () => {
    const callerToken = await provider.signCallerToken('alice');
    const response = await coldBroker().handler({
      connection: 'exchange',
      subjectToken: callerToken,
    });

    const items = await new DynamoDBClient({}).send(new ScanCommand({ TableName: TABLE }));
    const exchangeKeys = (items.Items ?? []).filter((item) =>
      item.cacheKey.S?.startsWith('exchange#'),
    );

    expect(response.ok).toBe(true);
    expect(exchangeKeys).toHaveLength(1);
    expect(JSON.stringify(items.Items)).not.toContain(callerToken);
  });

  test('falls back to the provider when the table is missing', async () => {
    const broker = coldBroker('no-such-table');

    const response = await broker.handler({ connection: 'orders' });

    expect(response.ok).toBe(true);
  });
});
