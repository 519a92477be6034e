import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { apiGatewayServer } from './api-gateway-server';
import { catalog } from './catalog-fixture';
import { FakeApiGateway } from './fake-api-gateway';
import { RegistryServer, startRegistryServer } from './registry-server';

type Reply = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ROOT = join(__dirname, '..', '..', '..');
const BUNDLE = join(ROOT, 'dist', 'bundles', 'management', 'index.js');

let registry: RegistryServer;
let server: Server;
let fake: FakeApiGateway;
let directory: string;
let handler: (payload: unknown) => Promise<Reply>;
const savedEnv = { ...process.env };

beforeAll(async () => {
  registry = await startRegistryServer();
  fake = new FakeApiGateway();
  server = apiGatewayServer(fake);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    GATEHOUSE_SUBSCRIPTION_TABLE: registry.tableName,
    GATEHOUSE_CATALOG: JSON.stringify(catalog),
    AWS_ENDPOINT_URL_DYNAMODB: registry.endpoint,
    AWS_ENDPOINT_URL_API_GATEWAY: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });

  // Loaded from inside node_modules so that the bundle's external @aws-sdk/* resolve.
  const parent = join(ROOT, 'node_modules', '.cache');
  mkdirSync(parent, { recursive: true });
  directory = mkdtempSync(join(parent, 'gatehouse-management-'));
  copyFileSync(BUNDLE, join(directory, 'index.js'));
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  handler = require(join(directory, 'index.js')).handler;
});

afterAll(async () => {
  jest.restoreAllMocks();
  process.env = savedEnv;
  rmSync(directory, { recursive: true, force: true });
  await new Promise((resolve) => server.close(resolve));
  await registry.close();
});

describe('bundled management function', () => {
  test('create makes API keys over HTTP', async () => {
    const created = await handler({ action: 'create', owner: 'bundle-1', productId: 'trial' });

    expect(created.ok).toBe(true);
    expect(fake.keysWithValue(created.keys.primary)[0].enabled).toBe(true);
    expect(fake.planKeys.get('plan-trial')?.size).toBe(2);
  });

  test('suspend disables the API keys', async () => {
    const created = await handler({ action: 'create', owner: 'bundle-2', productId: 'trial' });

    const suspended = await handler({ action: 'suspend', subscriptionId: created.subscription.id });

    expect(suspended.subscription.inSync).toBe(true);
    expect(fake.keysWithValue(created.keys.secondary)[0].enabled).toBe(false);
  });

  test('cancel after a failed delete converges on retry', async () => {
    const created = await handler({ action: 'create', owner: 'bundle-3', productId: 'trial' });
    // The SDK retries throttling errors by itself, so the stand-in fails with one it does not.
    fake.failOn('DeleteApiKeyCommand', { errorName: 'BadRequestException' });

    const failed = await handler({
      action: 'cancel',
      subscriptionId: created.subscription.id,
    }).catch((error: Error) => error);
    const retried = await handler({ action: 'cancel', subscriptionId: created.subscription.id });

    expect(failed).toBeInstanceOf(Error);
    expect(retried.subscription.state).toBe('cancelled');
    expect(fake.keysWithValue(created.keys.primary)).toHaveLength(0);
    expect(fake.keysWithValue(created.keys.secondary)).toHaveLength(0);
  });
});
