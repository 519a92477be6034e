import {
  decodeKeyPointer,
  decodeSubscription,
  keyPk,
  subscriptionPk,
} from '../../subscriptions/codec';
import { Subscription } from '../../subscriptions/model';

/** Reads one item of a registry table by partition key, or returns undefined when there is none. */
export type ItemReader = (
  tableName: string,
  pk: string,
) => Promise<Record<string, unknown> | undefined>;

/** Most lookups one instance keeps; the oldest is dropped first, so a key flood stays bounded. */
const MAX_CACHED_LOOKUPS = 5000;

interface CachedLookup {
  readonly subscription: Subscription | undefined;
  readonly expiresAt: number;
}

/**
 * Finds subscriptions by key hash and caches each result, found or not, for a fixed time.
 * That time plus API Gateway's authorizer cache TTL is how long an allow can outlive a
 * suspension.
 */
export class SubscriptionLookup {
  private readonly cache = new Map<string, CachedLookup>();

  constructor(private readonly readItem: ItemReader) {}

  async find(
    tableName: string,
    hash: string,
    cacheSeconds: number,
    nowMs: number,
  ): Promise<Subscription | undefined> {
    const cacheKey = `${tableName}/${hash}`;
    const cached = this.cache.get(cacheKey);
    if (cached && cached.expiresAt > nowMs) {
      return cached.subscription;
    }

    const subscription = await this.read(tableName, hash);
    this.cache.delete(cacheKey);
    if (this.cache.size >= MAX_CACHED_LOOKUPS) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(cacheKey, { subscription, expiresAt: nowMs + cacheSeconds * 1000 });
    return subscription;
  }

  private async read(tableName: string, hash: string): Promise<Subscription | undefined> {
    const pointer = await this.readItem(tableName, keyPk(hash));
    if (!pointer) {
      return undefined;
    }
    const item = await this.readItem(tableName, subscriptionPk(decodeKeyPointer(pointer)));
    const subscription = item ? decodeSubscription(item) : undefined;
    const listed = Object.values(subscription?.keys ?? {}).some((key) => key.hash === hash);
    return listed ? subscription : undefined;
  }
}

/**
 * Returns a reader of DynamoDB tables. The DynamoDB client is loaded on first use, so a
 * gateway without subscription keys never pays for it.
 */
export function dynamoDbItemReader(): ItemReader {
  let reader: Promise<ItemReader> | undefined;
  return async (tableName, pk) => {
    reader ??= createReader();
    return (await reader)(tableName, pk);
  };
}

async function createReader(): Promise<ItemReader> {
  // A plain require, not import(), so the bundle loads the runtime's SDK only here and
  // test runners without ESM support in their VM can load the bundle too.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  const client = new sdk.DynamoDBClient({});
  return async (tableName, pk) => {
    const output = await client.send(
      new sdk.GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } } }),
    );
    return output.Item;
  };
}
