import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runSubscriptionsCommand } from '../../cli/subscriptions';
import { createHandler } from '../../lambda/management/handler';
import { ApiKeyGateway } from '../../lambda/subscriptions/api-gateway';
import { SubscriptionManager } from '../../lambda/subscriptions/manager';
import { SubscriptionStore } from '../../lambda/subscriptions/store';
import { catalog } from '../lambda/subscriptions/catalog-fixture';
import { apiGatewayServer } from '../lambda/subscriptions/api-gateway-server';
import { FakeApiGateway } from '../lambda/subscriptions/fake-api-gateway';
import { RegistryServer, startRegistryServer } from '../lambda/subscriptions/registry-server';

type Reply = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let registry: RegistryServer;
let catalogFile: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  registry = await startRegistryServer();
  catalogFile = join(mkdtempSync(join(tmpdir(), 'gatehouse-cli-')), 'catalog.json');
  writeFileSync(catalogFile, JSON.stringify(catalog));
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await registry.close();
});

async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await runSubscriptionsCommand(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
  });
  return { status, stdout, stderr };
}

function local(...args: string[]): string[] {
  return [
    ...args,
    '--table',
    registry.tableName,
    '--endpoint',
    registry.endpoint,
    '--catalog',
    catalogFile,
    '--skip-api-gateway',
  ];
}

async function json(args: string[]): Promise<Reply> {
  const result = await cli([...args, '--json']);
  return JSON.parse(result.stdout) as Reply;
}

describe('gatehouse subscriptions against a local registry', () => {
  test('manages a subscription through its whole life', async () => {
    const created = await json(
      local('create', '--owner', 'acme', '--product', 'paid', '--accept-terms', '2026-01'),
    );
    const id = created.subscription.id as string;

    const states = [created.subscription.state];
    for (const action of ['approve', 'suspend', 'resume']) {
      states.push((await json(local(action, '--subscription', id))).subscription.state);
    }
    const regenerated = await json(local('regenerate', '--subscription', id, '--slot', 'primary'));
    const listed = await json(local('list', '--owner', 'acme'));
    states.push((await json(local('cancel', '--subscription', id))).subscription.state);
    const shown = await json(local('show', '--subscription', id));

    expect(states).toEqual(['submitted', 'active', 'suspended', 'active', 'cancelled']);
    expect(regenerated.keys.primary).not.toBe(created.keys.primary);
    expect(listed.subscriptions.map((item: Reply) => item.id)).toEqual([id]);
    expect(shown.subscription.state).toBe('cancelled');
  });

  test('prints new keys once with a warning', async () => {
    const result = await cli(local('create', '--owner', 'beta', '--product', 'trial'));

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/primary key: ghk_/);
    expect(result.stdout).toContain('Store these keys now; they are not shown again.');
  });

  test('show prints no key', async () => {
    const created = await json(local('create', '--owner', 'gamma', '--product', 'trial'));

    const result = await cli(local('show', '--subscription', created.subscription.id));

    expect(result.stdout).not.toContain('ghk_');
    expect(result.stdout).toContain('state    active');
  });

  test('reports a rejected request with its code and status 1', async () => {
    const result = await cli(local('create', '--owner', 'delta', '--product', 'drafts'));

    expect(result.status).toBe(1);
    expect(result.stdout).toContain('error PRODUCT_NOT_PUBLISHED: product drafts is not published');
  });

  test('reports an invalid option value', async () => {
    const result = await cli(local('regenerate', '--subscription', 'x', '--slot', 'third'));

    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      'error INVALID_REQUEST: slot must be primary or secondary, got "third"',
    );
  });

  test('requires an explicit choice about API Gateway', async () => {
    const result = await cli([
      'list',
      '--table',
      registry.tableName,
      '--endpoint',
      registry.endpoint,
      '--catalog',
      catalogFile,
    ]);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      'needs exactly one of --api-gateway-endpoint URL or --skip-api-gateway',
    );
  });

  test('requires a table or a function', async () => {
    const result = await cli(['list']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain('give --function NAME, or --table NAME with --catalog FILE');
  });

  test('rejects an unknown option', async () => {
    const result = await cli(['list', '--colour']);

    expect(result.status).toBe(2);
    expect(result.stderr).toContain("Unknown option '--colour'");
  });

  test('fails when the registry cannot be reached', async () => {
    const result = await cli([
      'list',
      '--table',
      'none',
      '--endpoint',
      'http://127.0.0.1:9',
      '--catalog',
      catalogFile,
      '--skip-api-gateway',
    ]);

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^gatehouse subscriptions: /);
  });
});

describe('gatehouse subscriptions with an API Gateway endpoint', () => {
  let server: Server;
  let apiGateway: FakeApiGateway;
  let endpoint: string;

  beforeAll(async () => {
    apiGateway = new FakeApiGateway();
    server = apiGatewayServer(apiGateway);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  function withApiGateway(...args: string[]): string[] {
    return [
      ...args,
      '--table',
      registry.tableName,
      '--endpoint',
      registry.endpoint,
      '--catalog',
      catalogFile,
      '--api-gateway-endpoint',
      endpoint,
    ];
  }

  test('creates and suspends API keys in step with the registry', async () => {
    const created = await json(withApiGateway('create', '--owner', 'eta', '--product', 'trial'));

    const suspended = await json(
      withApiGateway('suspend', '--subscription', created.subscription.id),
    );

    expect(suspended.subscription.inSync).toBe(true);
    expect(apiGateway.keysWithValue(created.keys.primary)[0].enabled).toBe(false);
  });

  test('resync creates the API keys a skipped step left out', async () => {
    const created = await json(local('create', '--owner', 'theta', '--product', 'trial'));

    const resynced = await json(
      withApiGateway('resync', '--subscription', created.subscription.id),
    );

    expect(resynced.subscription.inSync).toBe(true);
    expect(apiGateway.keysWithValue(resynced.keys.primary)).toHaveLength(1);
    expect(apiGateway.keysWithValue(created.keys.primary)).toHaveLength(0);
  });
});

describe('gatehouse subscriptions through the management function', () => {
  let lambda: Server;
  let apiGateway: FakeApiGateway;

  beforeAll(async () => {
    apiGateway = new FakeApiGateway();
    const handler = createHandler({
      manager: new SubscriptionManager({
        store: new SubscriptionStore(registry.client, registry.tableName),
        catalog,
        apiGateway: new ApiKeyGateway(apiGateway),
      }),
      writeSecret: async () => undefined,
      log: () => undefined,
    });
    // Stands in for the Lambda Invoke API on 127.0.0.1 and runs the handler in-process.
    lambda = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', async () => {
        const functionName = /\/functions\/([^/]+)\/invocations/.exec(request.url ?? '')?.[1];
        const reply =
          functionName === 'subscriptions-management' ? await handler(JSON.parse(body)) : undefined;
        response.writeHead(reply ? 200 : 404, { 'content-type': 'application/json' });
        response.end(JSON.stringify(reply ?? { message: `function ${functionName} not found` }));
      });
    });
    await new Promise<void>((resolve) => lambda.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ENDPOINT_URL_LAMBDA = `http://127.0.0.1:${(lambda.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    delete process.env.AWS_ENDPOINT_URL_LAMBDA;
    await new Promise((resolve) => lambda.close(resolve));
  });

  test('creates a subscription with API keys', async () => {
    const created = await json([
      'create',
      '--owner',
      'epsilon',
      '--product',
      'trial',
      '--function',
      'subscriptions-management',
    ]);

    expect(created.ok).toBe(true);
    expect(apiGateway.keysWithValue(created.keys.primary)).toHaveLength(1);
  });

  test('fails for an unknown function', async () => {
    const result = await cli(['list', '--function', 'no-such-function']);

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^gatehouse subscriptions: /);
  });
});

describe('gatehouse command line', () => {
  test('runs the subscriptions command from the entry point', async () => {
    const run = promisify(execFile);

    const { stdout } = await run(
      'npx',
      [
        'tsx',
        'bin/gatehouse-cli.ts',
        'subscriptions',
        ...local('create', '--owner', 'zeta', '--product', 'trial'),
      ],
      {
        cwd: join(__dirname, '..', '..'),
        env: process.env,
      },
    );

    expect(stdout).toMatch(/subscription \S+\n {2}owner {4}zeta/);
  });

  test('lists the commands for an unknown one', async () => {
    const run = promisify(execFile);

    const failure = await run('npx', ['tsx', 'bin/gatehouse-cli.ts', 'publish'], {
      cwd: join(__dirname, '..', '..'),
    }).catch((error: { code: number; stderr: string }) => error);

    expect((failure as { code: number }).code).toBe(2);
    expect((failure as { stderr: string }).stderr).toContain('Commands: report, subscriptions');
  });
});
