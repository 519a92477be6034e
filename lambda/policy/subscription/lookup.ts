import {
  decodeKeyPointer,
  decodeSubscription,
  keyPk,
  subscriptionPk,
} from '../../subscriptions/codec';
import { SUBSCRIPTION_TABLE_ENV, Subscription } from '../../subscriptions/model';

/** Reads one registry item by partition key, or returns undefined when there is none. */
export type ItemReader = (pk: string) => Promise<Record<string, unknown> | undefined>;

/** Most lookups one instance keeps; the oldest is dropped first, so a key flood stays bounded. */
const MAX_CACHED_LOOKUPS = 5000;

interface CachedLookup {
  readonly subscription: Subscription | undefined;
  readonly expiresAt: number;
}

/**
 * Finds subscriptions by key hash and keeps each answer, found or not, for a fixed time.
 * That time plus API Gateway's authorizer cache TTL is how long an allow can outlive a
 * suspension.
 */
export class SubscriptionLookup {
  private readonly cache = new Map<string, CachedLookup>();

  constructor(private readonly readItem: ItemReader) {}

  async find(hash: string, cacheSeconds: number, nowMs: number): Promise<Subscription | undefined> {
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > nowMs) {
      return cached.subscription;
    }

    const subscription = await this.read(hash);
    this.cache.delete(hash);
    if (this.cache.size >= MAX_CACHED_LOOKUPS) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    this.cache.set(hash, { subscription, expiresAt: nowMs + cacheSeconds * 1000 });
    return subscription;
  }

  private async read(hash: string): Promise<Subscription | undefined> {
    const pointer = await this.readItem(keyPk(hash));
    if (!pointer) {
      return undefined;
    }
    const item = await this.readItem(subscriptionPk(decodeKeyPointer(pointer)));
    const subscription = item ? decodeSubscription(item) : undefined;
    const listed = Object.values(subscription?.keys ?? {}).some((key) => key.hash === hash);
    return listed ? subscription : undefined;
  }
}

/**
 * Returns a reader of the registry table named in the environment. The DynamoDB client is
 * loaded on first use, so a gateway without subscription keys never pays for it.
 */
export function dynamoDbItemReader(): ItemReader {
  let client: Promise<{ read: ItemReader }> | undefined;
  return async (pk) => {
    client ??= createReader();
    return (await client).read(pk);
  };
}

async function createReader(): Promise<{ read: ItemReader }> {
  const tableName = process.env[SUBSCRIPTION_TABLE_ENV];
  if (!tableName) {
    throw new Error(`environment variable ${SUBSCRIPTION_TABLE_ENV} is missing`);
  }
  const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({});
  const read: ItemReader = async (pk) => {
    const output = await client.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } } }),
    );
    return output.Item;
  };
  return { read };
}
