import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { createHandler } from '../../../lambda/management/handler';
import { ApiKeyGateway } from '../../../lambda/subscriptions/api-gateway';
import { SubscriptionManager } from '../../../lambda/subscriptions/manager';
import { SubscriptionStore } from '../../../lambda/subscriptions/store';
import { catalog } from './catalog-fixture';
import { FakeApiGateway } from './fake-api-gateway';
import { RegistryServer, startRegistryServer } from './registry-server';

type Reply = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let registry: RegistryServer;
let cloudFormation: Server;
let responses: Record<string, unknown>[];
let secrets: Map<string, string>;
let logLines: string[];
let apiGateway: FakeApiGateway;
let handler: (payload: unknown) => Promise<unknown>;

beforeAll(async () => {
  registry = await startRegistryServer();
  // Stands in for the pre-signed S3 URL that CloudFormation waits on.
  cloudFormation = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      responses.push(JSON.parse(body));
      response.end();
    });
  });
  await new Promise<void>((resolve) => cloudFormation.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await registry.close();
  await new Promise((resolve) => cloudFormation.close(resolve));
});

beforeEach(() => {
  responses = [];
  secrets = new Map();
  logLines = [];
  apiGateway = new FakeApiGateway();
  const manager = new SubscriptionManager({
    store: new SubscriptionStore(registry.client, registry.tableName),
    catalog,
    apiGateway: new ApiKeyGateway(apiGateway),
  });
  handler = createHandler({
    manager,
    writeSecret: async (arn, value) => void secrets.set(arn, value),
    log: (line) => logLines.push(line),
  });
});

let counter = 0;
function unique(prefix: string): string {
  return `${prefix}-${++counter}`;
}

function resourceEvent(
  requestType: 'Create' | 'Update' | 'Delete',
  subscriptionId: string,
  owner: string,
) {
  const port = (cloudFormation.address() as AddressInfo).port;
  return {
    RequestType: requestType,
    ResponseURL: `http://127.0.0.1:${port}/response`,
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/public-saas/1',
    RequestId: unique('request'),
    LogicalResourceId: 'PartnerSubscription',
    PhysicalResourceId: requestType === 'Create' ? undefined : subscriptionId,
    ResourceProperties: {
      SubscriptionId: subscriptionId,
      Owner: owner,
      ProductId: 'trial',
      Scope: 'product',
      SecretArn: `arn:aws:secretsmanager:us-east-1:111111111111:secret:${subscriptionId}`,
    },
  };
}

describe('management handler requests', () => {
  test('create returns both keys once and a view without hashes', async () => {
    const reply = (await handler({
      action: 'create',
      owner: unique('owner'),
      productId: 'trial',
    })) as Reply;

    expect(reply.ok).toBe(true);
    expect(reply.keys.primary).toMatch(/^ghk_/);
    expect(JSON.stringify(reply.subscription)).not.toContain('hash');
    expect(reply.subscription.inSync).toBe(true);
  });

  test('show never returns key values', async () => {
    const created = (await handler({
      action: 'create',
      owner: unique('owner'),
      productId: 'trial',
    })) as Reply;

    const shown = (await handler({
      action: 'show',
      subscriptionId: created.subscription.id,
    })) as Reply;

    expect(shown.keys).toBeUndefined();
    expect(JSON.stringify(shown)).not.toContain(created.keys.primary);
  });

  test('walks a subscription through its whole life', async () => {
    const owner = unique('owner');
    const created = (await handler({
      action: 'create',
      owner,
      productId: 'paid',
      acceptTerms: '2026-01',
      scope: 'api:billing',
    })) as Reply;
    const id = created.subscription.id;

    const states: string[] = [created.subscription.state];
    for (const action of ['approve', 'suspend', 'resume', 'cancel']) {
      states.push(((await handler({ action, subscriptionId: id })) as Reply).subscription.state);
    }

    expect(states).toEqual(['submitted', 'active', 'suspended', 'active', 'cancelled']);
    expect(apiGateway.keys.size).toBe(0);
  });

  test('list filters by owner and state', async () => {
    const owner = unique('owner');
    await handler({ action: 'create', owner, productId: 'trial' });

    const reply = (await handler({ action: 'list', owner, state: 'active' })) as Reply;

    expect(reply.subscriptions).toHaveLength(1);
    expect(reply.subscriptions[0].owner).toBe(owner);
  });

  test('regenerate returns only the new key', async () => {
    const created = (await handler({
      action: 'create',
      owner: unique('owner'),
      productId: 'trial',
    })) as Reply;

    const reply = (await handler({
      action: 'regenerate',
      subscriptionId: created.subscription.id,
      slot: 'secondary',
    })) as Reply;

    expect(Object.keys(reply.keys)).toEqual(['secondary']);
    expect(reply.subscription.keys.secondary.generation).toBe(2);
  });

  test.each([
    [{ action: 'destroy' }, /action must be one of create, approve/],
    [{ action: 'create', productId: 'trial' }, /owner is missing/],
    [
      { action: 'create', owner: 'a', productId: 'trial', scope: 'team' },
      /scope must be product, all or api:<api id>, got "team"/,
    ],
    [
      { action: 'create', owner: 'a', productId: 'trial', expiresAt: 'soon' },
      /expiresAt must be an ISO 8601 date-time/,
    ],
    [
      { action: 'create', owner: 'a', productId: 'trial', subscriptionId: 'a/b' },
      /subscriptionId must be 1 to 128 letters/,
    ],
    [
      { action: 'regenerate', subscriptionId: 'x', slot: 'tertiary' },
      /slot must be primary or secondary, got "tertiary"/,
    ],
    [{ action: 'list', state: 'paused' }, /state must be one of submitted, active/],
    [{ action: 'suspend', subscriptionId: 42 }, /subscriptionId must be a non-empty string/],
    [null, /action must be one of/],
  ])('rejects invalid request %j', async (payload, message) => {
    const reply = (await handler(payload)) as Reply;

    expect(reply.ok).toBe(false);
    expect(reply.code).toBe('INVALID_REQUEST');
    expect(reply.message).toMatch(message);
  });

  test('logs a rejected request without any key', async () => {
    const created = (await handler({
      action: 'create',
      owner: unique('owner'),
      productId: 'trial',
    })) as Reply;

    await handler({ action: 'reject', subscriptionId: created.subscription.id });

    const lines = logLines.join('\n');
    expect(lines).toContain('TRANSITION_NOT_ALLOWED');
    expect(lines).not.toContain(created.keys.primary);
    expect(lines).not.toContain(created.keys.secondary);
  });
});

describe('management handler custom resource', () => {
  test('create writes both keys to the secret and reports success', async () => {
    const id = unique('declared');

    await handler(resourceEvent('Create', id, unique('partner')));

    const keys = JSON.parse(
      secrets.get(`arn:aws:secretsmanager:us-east-1:111111111111:secret:${id}`) as string,
    );
    expect(apiGateway.keysWithValue(keys.primary)).toHaveLength(1);
    expect(apiGateway.keysWithValue(keys.secondary)).toHaveLength(1);
    expect(responses[0].Status).toBe('SUCCESS');
    expect(responses[0].PhysicalResourceId).toBe(id);
  });

  test('response to CloudFormation carries no key value', async () => {
    const id = unique('declared');

    await handler(resourceEvent('Create', id, unique('partner')));

    const keys = JSON.parse(
      secrets.get(`arn:aws:secretsmanager:us-east-1:111111111111:secret:${id}`) as string,
    );
    expect(JSON.stringify(responses)).not.toContain(keys.primary);
  });

  test('create approves a declared subscription when asked', async () => {
    const id = unique('declared');
    const event = resourceEvent('Create', id, unique('partner'));
    const props = {
      ...event.ResourceProperties,
      ProductId: 'paid',
      AcceptTerms: '2026-01',
      Approve: 'true',
    };

    await handler({ ...event, ResourceProperties: props });

    const shown = (await handler({ action: 'show', subscriptionId: id })) as Reply;
    expect(shown.subscription.state).toBe('active');
  });

  test('create leaves a declared subscription for review by default', async () => {
    const id = unique('declared');
    const event = resourceEvent('Create', id, unique('partner'));
    const props = { ...event.ResourceProperties, ProductId: 'paid', AcceptTerms: '2026-01' };

    await handler({ ...event, ResourceProperties: props });

    const shown = (await handler({ action: 'show', subscriptionId: id })) as Reply;
    expect(shown.subscription.state).toBe('submitted');
  });

  test('update keeps the keys of a subscription in sync', async () => {
    const id = unique('declared');
    const owner = unique('partner');
    await handler(resourceEvent('Create', id, owner));
    const before = secrets.get(`arn:aws:secretsmanager:us-east-1:111111111111:secret:${id}`);

    await handler(resourceEvent('Update', id, owner));

    expect(secrets.get(`arn:aws:secretsmanager:us-east-1:111111111111:secret:${id}`)).toBe(before);
    expect(responses[1].Status).toBe('SUCCESS');
  });

  test('update after a failed create writes a working pair', async () => {
    const id = unique('declared');
    const owner = unique('partner');
    apiGateway.failOn('CreateApiKeyCommand');
    await handler(resourceEvent('Create', id, owner));

    await handler(resourceEvent('Update', id, owner));

    const keys = JSON.parse(
      secrets.get(`arn:aws:secretsmanager:us-east-1:111111111111:secret:${id}`) as string,
    );
    expect(responses[0].Status).toBe('FAILED');
    expect(apiGateway.keysWithValue(keys.primary)).toHaveLength(1);
    expect(apiGateway.keysWithValue(keys.secondary)).toHaveLength(1);
  });

  test('delete cancels the subscription and removes its API keys', async () => {
    const id = unique('declared');
    const owner = unique('partner');
    await handler(resourceEvent('Create', id, owner));

    await handler(resourceEvent('Delete', id, owner));

    const shown = (await handler({ action: 'show', subscriptionId: id })) as Reply;
    expect(shown.subscription.state).toBe('cancelled');
    expect(apiGateway.keys.size).toBe(0);
  });

  test('delete of a subscription that never existed succeeds', async () => {
    await handler(resourceEvent('Delete', unique('declared'), unique('partner')));

    expect(responses[0].Status).toBe('SUCCESS');
  });

  test('create with a bad scope reports failure with the reason', async () => {
    const event = resourceEvent('Create', unique('declared'), unique('partner'));

    await handler({ ...event, ResourceProperties: { ...event.ResourceProperties, Scope: 'team' } });

    expect(responses[0].Status).toBe('FAILED');
    expect(responses[0].Reason).toMatch(/Scope must be product, all or api:<api id>, got team/);
  });
});
