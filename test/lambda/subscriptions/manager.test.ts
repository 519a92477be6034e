import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { ApiKeyGateway } from '../../../lambda/subscriptions/api-gateway';
import { ManagementError } from '../../../lambda/subscriptions/errors';
import { hashKey } from '../../../lambda/subscriptions/keys';
import { SubscriptionManager } from '../../../lambda/subscriptions/manager';
import { ConcurrentUpdateError, SubscriptionStore } from '../../../lambda/subscriptions/store';
import { catalog } from './catalog-fixture';
import { FakeApiGateway } from './fake-api-gateway';
import { RegistryServer, startRegistryServer } from './registry-server';

let server: RegistryServer;
let store: SubscriptionStore;
let apiGateway: FakeApiGateway;
let manager: SubscriptionManager;

beforeAll(async () => {
  server = await startRegistryServer();
  store = new SubscriptionStore(server.client, server.tableName);
});

afterAll(() => server.close());

beforeEach(() => {
  apiGateway = new FakeApiGateway();
  manager = new SubscriptionManager({ store, catalog, apiGateway: new ApiKeyGateway(apiGateway) });
});

let ownerCount = 0;
function newOwner(): string {
  return `owner-${++ownerCount}`;
}

async function expectManagementError(promise: Promise<unknown>, code: string, message: RegExp) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ManagementError);
  expect((error as ManagementError).code).toBe(code);
  expect((error as ManagementError).message).toMatch(message);
}

describe('SubscriptionManager create', () => {
  test('activates a subscription when no approval is required', async () => {
    const result = await manager.create({ owner: newOwner(), productId: 'trial' });

    expect(result.subscription.state).toBe('active');
    expect(result.keys.primary).toMatch(/^ghk_[A-Za-z0-9_-]{43}$/);
    expect(result.keys.secondary).not.toBe(result.keys.primary);
  });

  test('creates enabled API keys with the same values in the plan', async () => {
    const { keys } = await manager.create({ owner: newOwner(), productId: 'trial' });

    const [primary] = apiGateway.keysWithValue(keys.primary as string);
    const [secondary] = apiGateway.keysWithValue(keys.secondary as string);
    expect(primary.enabled).toBe(true);
    expect(secondary.enabled).toBe(true);
    expect(apiGateway.planKeys.get('plan-trial')?.has(primary.id)).toBe(true);
    expect(apiGateway.planKeys.get('plan-trial')?.has(secondary.id)).toBe(true);
  });

  test('stores key hashes and never key values', async () => {
    const { keys, subscription } = await manager.create({ owner: newOwner(), productId: 'trial' });

    const items = await server.client.send(new ScanCommand({ TableName: server.tableName }));
    const raw = JSON.stringify(items.Items);
    expect(raw).not.toContain(keys.primary);
    expect(raw).not.toContain(keys.secondary);
    expect(subscription.keys.primary.hash).toBe(hashKey(keys.primary as string));
  });

  test('leaves a subscription submitted with disabled keys when approval is required', async () => {
    const { subscription, keys } = await manager.create({
      owner: newOwner(),
      productId: 'paid',
      acceptTerms: '2026-01',
    });

    expect(subscription.state).toBe('submitted');
    expect(apiGateway.keysWithValue(keys.primary as string)[0].enabled).toBe(false);
  });

  test('rejects an unknown product', async () => {
    const creating = manager.create({ owner: newOwner(), productId: 'gold' });

    await expectManagementError(
      creating,
      'PRODUCT_NOT_FOUND',
      /product gold not found; known products: trial, paid/,
    );
  });

  test('rejects an unpublished product', async () => {
    const creating = manager.create({ owner: newOwner(), productId: 'drafts' });

    await expectManagementError(
      creating,
      'PRODUCT_NOT_PUBLISHED',
      /product drafts is not published/,
    );
  });

  test('rejects a product that needs no subscription', async () => {
    const creating = manager.create({ owner: newOwner(), productId: 'open' });

    await expectManagementError(creating, 'SUBSCRIPTION_NOT_REQUIRED', /product open is open/);
  });

  test('rejects missing acceptance of the terms of use', async () => {
    const creating = manager.create({ owner: newOwner(), productId: 'paid' });

    await expectManagementError(
      creating,
      'TERMS_NOT_ACCEPTED',
      /terms of use version 2026-01, got none/,
    );
  });

  test('rejects acceptance of an older terms version', async () => {
    const creating = manager.create({
      owner: newOwner(),
      productId: 'paid',
      acceptTerms: '2025-06',
    });

    await expectManagementError(creating, 'TERMS_NOT_ACCEPTED', /version 2026-01, got 2025-06/);
  });

  test('rejects an owner past the per-owner limit', async () => {
    const owner = newOwner();
    await manager.create({ owner, productId: 'trial' });
    await manager.create({ owner, productId: 'trial' });

    const creating = manager.create({ owner, productId: 'trial' });

    await expectManagementError(
      creating,
      'SUBSCRIPTION_LIMIT_REACHED',
      /already has 2 subscriptions to product trial, the maximum is 2/,
    );
  });

  test('frees a place in the limit when a subscription is cancelled', async () => {
    const owner = newOwner();
    const first = await manager.create({ owner, productId: 'trial' });
    await manager.create({ owner, productId: 'trial' });
    await manager.transition(first.subscription.id, 'cancel');

    const third = await manager.create({ owner, productId: 'trial' });

    expect(third.subscription.state).toBe('active');
  });

  test('rejects an API scope outside the product', async () => {
    const creating = manager.create({
      owner: newOwner(),
      productId: 'trial',
      scope: { kind: 'api', api: 'billing' },
    });

    await expectManagementError(
      creating,
      'SCOPE_NOT_ALLOWED',
      /API billing is not part of product trial/,
    );
  });

  test('rejects scope all on a product that misses an API', async () => {
    const creating = manager.create({
      owner: newOwner(),
      productId: 'trial',
      scope: { kind: 'all' },
    });

    await expectManagementError(
      creating,
      'SCOPE_NOT_ALLOWED',
      /scope all needs a product that covers every API/,
    );
  });

  test('accepts scope all on a product that covers every API', async () => {
    const { subscription } = await manager.create({
      owner: newOwner(),
      productId: 'paid',
      scope: { kind: 'all' },
      acceptTerms: '2026-01',
    });

    expect(subscription.scope).toEqual({ kind: 'all' });
  });
});

describe('SubscriptionManager transitions', () => {
  test('approve enables the API keys', async () => {
    const created = await manager.create({
      owner: newOwner(),
      productId: 'paid',
      acceptTerms: '2026-01',
    });

    const approved = await manager.transition(created.subscription.id, 'approve');

    expect(approved.subscription.state).toBe('active');
    expect(apiGateway.keysWithValue(created.keys.primary as string)[0].enabled).toBe(true);
  });

  test('reject deletes the API keys', async () => {
    const created = await manager.create({
      owner: newOwner(),
      productId: 'paid',
      acceptTerms: '2026-01',
    });

    const rejected = await manager.transition(created.subscription.id, 'reject');

    expect(rejected.subscription.state).toBe('rejected');
    expect(apiGateway.keysWithValue(created.keys.primary as string)).toHaveLength(0);
  });

  test('suspend disables and resume enables the API keys', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });
    const apiKey = () => apiGateway.keysWithValue(created.keys.secondary as string)[0];

    await manager.transition(created.subscription.id, 'suspend');
    const enabledWhileSuspended = apiKey().enabled;
    await manager.transition(created.subscription.id, 'resume');

    expect(enabledWhileSuspended).toBe(false);
    expect(apiKey().enabled).toBe(true);
  });

  test('cancel deletes both API keys', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });

    const cancelled = await manager.transition(created.subscription.id, 'cancel');

    expect(cancelled.subscription.state).toBe('cancelled');
    expect(apiGateway.keys.size).toBe(0);
  });

  test('rejects a transition from the wrong state', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });
    await manager.transition(created.subscription.id, 'suspend');

    const approving = manager.transition(created.subscription.id, 'approve');

    await expectManagementError(
      approving,
      'TRANSITION_NOT_ALLOWED',
      /cannot approve subscription .* in state suspended; allowed from submitted/,
    );
  });

  test('repeating a transition that already happened changes nothing', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });

    const resumed = await manager.transition(created.subscription.id, 'resume');

    expect(resumed.subscription.state).toBe('active');
    expect(resumed.subscription.version).toBe(created.subscription.version);
  });

  test('rejects an unknown subscription id', async () => {
    const suspending = manager.transition('no-such-id', 'suspend');

    await expectManagementError(suspending, 'NOT_FOUND', /subscription no-such-id not found/);
  });
});

describe('SubscriptionManager regenerate', () => {
  test('replaces one key and keeps the other working', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });

    const regenerated = await manager.regenerate(created.subscription.id, 'primary');

    expect(regenerated.keys.secondary).toBeUndefined();
    expect(apiGateway.keysWithValue(created.keys.primary as string)).toHaveLength(0);
    expect(apiGateway.keysWithValue(regenerated.keys.primary as string)[0].enabled).toBe(true);
    expect(apiGateway.keysWithValue(created.keys.secondary as string)[0].enabled).toBe(true);
  });

  test('moves the registry lookup from the old key to the new one', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });

    const regenerated = await manager.regenerate(created.subscription.id, 'secondary');

    expect(await store.findByKeyHash(hashKey(created.keys.secondary as string))).toBeUndefined();
    expect((await store.findByKeyHash(hashKey(regenerated.keys.secondary as string)))?.id).toBe(
      created.subscription.id,
    );
  });

  test('rejects regenerating a key of a cancelled subscription', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });
    await manager.transition(created.subscription.id, 'cancel');

    const regenerating = manager.regenerate(created.subscription.id, 'primary');

    await expectManagementError(regenerating, 'TRANSITION_NOT_ALLOWED', /in state cancelled/);
  });
});

describe('SubscriptionManager retries', () => {
  test('create failing before API Gateway converges on retry', async () => {
    const owner = newOwner();
    apiGateway.failOn('CreateApiKeyCommand');
    const failed = await manager
      .create({ owner, productId: 'trial', subscriptionId: 'retry-1' })
      .catch((e: Error) => e);

    const retried = await manager.create({ owner, productId: 'trial', subscriptionId: 'retry-1' });

    expect(failed).toBeInstanceOf(Error);
    expect((await store.get('retry-1'))?.state).toBe('active');
    expect(apiGateway.keys.size).toBe(2);
    expect(apiGateway.keysWithValue(retried.keys.primary as string)).toHaveLength(1);
    expect(apiGateway.keysWithValue(retried.keys.secondary as string)).toHaveLength(1);
    expect(apiGateway.planKeys.get('plan-trial')?.size).toBe(2);
  });

  test('create whose API key reply was lost leaves no orphan key', async () => {
    const owner = newOwner();
    apiGateway.failOn('CreateApiKeyCommand', { afterSuccess: true });
    await manager
      .create({ owner, productId: 'trial', subscriptionId: 'retry-2' })
      .catch(() => undefined);

    const retried = await manager.create({ owner, productId: 'trial', subscriptionId: 'retry-2' });

    expect(apiGateway.keys.size).toBe(2);
    expect(apiGateway.keysWithValue(retried.keys.primary as string)).toHaveLength(1);
  });

  test('create failing at the usage plan converges on resync', async () => {
    apiGateway.failOn('CreateUsagePlanKeyCommand');
    const failed = await manager
      .create({ owner: newOwner(), productId: 'trial', subscriptionId: 'retry-3' })
      .catch((e: Error) => e);

    await manager.resync('retry-3');

    expect(failed).toBeInstanceOf(Error);
    expect(apiGateway.planKeys.get('plan-trial')?.size).toBe(2);
    expect((await store.get('retry-3'))?.keys.primary.planAttached).toBe(true);
  });

  test('suspend failing at API Gateway keeps the registry suspended', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });
    apiGateway.failOn('UpdateApiKeyCommand');

    const failed = await manager
      .transition(created.subscription.id, 'suspend')
      .catch((e: Error) => e);

    expect(failed).toBeInstanceOf(Error);
    expect((await store.get(created.subscription.id))?.state).toBe('suspended');
    expect(apiGateway.keysWithValue(created.keys.primary as string)[0].enabled).toBe(true);
  });

  test('repeated suspend finishes disabling the API keys', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });
    apiGateway.failOn('UpdateApiKeyCommand');
    await manager.transition(created.subscription.id, 'suspend').catch(() => undefined);

    await manager.transition(created.subscription.id, 'suspend');

    expect(apiGateway.keysWithValue(created.keys.primary as string)[0].enabled).toBe(false);
    expect(apiGateway.keysWithValue(created.keys.secondary as string)[0].enabled).toBe(false);
  });

  test('regenerate failing at delete removes the old key on resync', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });
    apiGateway.failOn('DeleteApiKeyCommand');
    await manager.regenerate(created.subscription.id, 'primary').catch(() => undefined);

    await manager.resync(created.subscription.id);

    expect(apiGateway.keysWithValue(created.keys.primary as string)).toHaveLength(0);
    expect((await store.get(created.subscription.id))?.staleApiKeyIds).toEqual([]);
  });

  test('regenerate failing at create issues a usable key on resync', async () => {
    const created = await manager.create({ owner: newOwner(), productId: 'trial' });
    apiGateway.failOn('CreateApiKeyCommand');
    await manager.regenerate(created.subscription.id, 'primary').catch(() => undefined);

    const resynced = await manager.resync(created.subscription.id);

    const stored = await store.get(created.subscription.id);
    expect(stored?.keys.primary.hash).toBe(hashKey(resynced.keys.primary as string));
    expect(apiGateway.keysWithValue(resynced.keys.primary as string)).toHaveLength(1);
    expect(apiGateway.keys.size).toBe(2);
  });

  test('create retry with another owner is a conflict', async () => {
    await manager.create({ owner: newOwner(), productId: 'trial', subscriptionId: 'retry-4' });

    const creating = manager.create({
      owner: newOwner(),
      productId: 'trial',
      subscriptionId: 'retry-4',
    });

    await expectManagementError(
      creating,
      'CONFLICT',
      /subscription retry-4 exists with another owner or product/,
    );
  });
});

describe('SubscriptionStore', () => {
  test('rejects a write based on an outdated version', async () => {
    const { subscription } = await manager.create({ owner: newOwner(), productId: 'trial' });
    await store.replace(subscription, { ...subscription, displayName: 'first' });

    const writing = store.replace(subscription, { ...subscription, displayName: 'second' });

    await expect(writing).rejects.toBeInstanceOf(ConcurrentUpdateError);
  });

  test('lists by owner, product and state', async () => {
    const owner = newOwner();
    const trial = await manager.create({ owner, productId: 'trial' });
    const paid = await manager.create({ owner, productId: 'paid', acceptTerms: '2026-01' });

    const submitted = await store.list({ owner, state: 'submitted' });
    const trials = await store.list({ owner, productId: 'trial' });

    expect(submitted.map((item) => item.id)).toEqual([paid.subscription.id]);
    expect(trials.map((item) => item.id)).toEqual([trial.subscription.id]);
  });

  test('lists every product without an owner filter', async () => {
    const owner = newOwner();
    await manager.create({ owner, productId: 'trial' });

    const all = await store.list({ productId: 'trial' });

    expect(all.some((item) => item.owner === owner)).toBe(true);
  });
});

describe('SubscriptionManager without API Gateway', () => {
  test('keeps the registry alone when no client is given', async () => {
    const local = new SubscriptionManager({ store, catalog });

    const { subscription } = await local.create({ owner: newOwner(), productId: 'trial' });

    expect(subscription.state).toBe('active');
    expect(subscription.keys.primary.apiKeyId).toBeUndefined();
  });
});
