import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  OWNER_INDEX,
  decodeKeyPointer,
  decodeSubscription,
  encodeKeyPointer,
  encodeSubscription,
  keyPk,
  subscriptionPk,
} from './codec';
import { Subscription, SubscriptionState } from './model';

/** Another writer changed the subscription since it was read. */
export class ConcurrentUpdateError extends Error {
  constructor(readonly subscriptionId: string) {
    super(`subscription ${subscriptionId} was changed by another request; read it again and retry`);
    this.name = 'ConcurrentUpdateError';
  }
}

export interface ListFilter {
  readonly owner?: string;
  readonly productId?: string;
  readonly state?: SubscriptionState;
}

/** Reads and writes the registry table. Every write of a subscription checks its version. */
export class SubscriptionStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  /** Returns the subscription with this id, read consistently, or undefined. */
  async get(id: string): Promise<Subscription | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: subscriptionPk(id) } },
        ConsistentRead: true,
      }),
    );
    return result.Item ? decodeSubscription(result.Item) : undefined;
  }

  /** Returns the subscription that lists this key hash, or undefined. */
  async findByKeyHash(hash: string): Promise<Subscription | undefined> {
    const pointer = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: keyPk(hash) } } }),
    );
    if (!pointer.Item) {
      return undefined;
    }
    const subscription = await this.get(decodeKeyPointer(pointer.Item));
    const listed = Object.values(subscription?.keys ?? {}).some((key) => key.hash === hash);
    return listed ? subscription : undefined;
  }

  /** Writes a new subscription; fails when one with the same id exists. */
  async insert(subscription: Subscription): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: encodeSubscription(subscription),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      throw translateConflict(error, subscription.id);
    }
  }

  /**
   * Replaces a subscription unless another request wrote it after `previous` was read, and returns the
   * stored record with its version increased.
   */
  async replace(
    previous: Subscription,
    next: Omit<Subscription, 'version'>,
  ): Promise<Subscription> {
    const stored: Subscription = { ...next, version: previous.version + 1 };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: encodeSubscription(stored),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': { N: String(previous.version) } },
        }),
      );
    } catch (error) {
      throw translateConflict(error, previous.id);
    }
    return stored;
  }

  async putKeyPointer(hash: string, subscriptionId: string): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: encodeKeyPointer(hash, subscriptionId),
      }),
    );
  }

  async deleteKeyPointer(hash: string): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: keyPk(hash) } } }),
    );
  }

  /** Returns the owner's subscriptions, read through the owner index. */
  async listByOwner(owner: string): Promise<Subscription[]> {
    const found: Subscription[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: OWNER_INDEX,
          KeyConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': { S: owner } },
          ExclusiveStartKey: start,
        }),
      );
      found.push(...(page.Items ?? []).map(decodeSubscription));
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return found;
  }

  /**
   * Returns the subscriptions that match every given filter.
   *
   * NOTE: without an owner this scans the whole table, which is fine for thousands of
   * subscriptions; a product index would be needed well beyond that.
   */
  async list(filter: ListFilter = {}): Promise<Subscription[]> {
    const candidates = filter.owner ? await this.listByOwner(filter.owner) : await this.scan();
    return candidates
      .filter((item) => !filter.productId || item.productId === filter.productId)
      .filter((item) => !filter.state || item.state === filter.state)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  private async scan(): Promise<Subscription[]> {
    const found: Subscription[] = [];
    let start: Record<string, never> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': { S: 'sub#' } },
          ExclusiveStartKey: start,
        }),
      );
      found.push(...(page.Items ?? []).map(decodeSubscription));
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
    return found;
  }
}

function translateConflict(error: unknown, subscriptionId: string): unknown {
  const conflict = (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
  return conflict ? new ConcurrentUpdateError(subscriptionId) : error;
}
