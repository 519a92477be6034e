import {
  AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { CachedCredential, SharedCredentialCache } from './broker';

/** Partition key of the shared cache table. */
export const CACHE_KEY_ATTRIBUTE = 'cacheKey';
/** Attribute that DynamoDB time to live deletes expired items by. */
export const EXPIRY_ATTRIBUTE = 'expiresAt';

/**
 * Keeps credentials in a DynamoDB table so broker instances share them. The table is
 * encrypted with a customer-managed KMS key, and the broker role is the only one granted on it.
 */
export class DynamoDbCredentialCache implements SharedCredentialCache {
  private readonly client = new DynamoDBClient({});

  constructor(private readonly tableName: string) {}

  public async get(key: string): Promise<CachedCredential | undefined> {
    const output = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [CACHE_KEY_ATTRIBUTE]: { S: key } },
        ConsistentRead: true,
      }),
    );
    return output.Item ? toCredential(output.Item) : undefined;
  }

  public async put(key: string, credential: CachedCredential): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [CACHE_KEY_ATTRIBUTE]: { S: key },
          headerValue: { S: credential.headerValue },
          [EXPIRY_ATTRIBUTE]: { N: String(credential.validUntil) },
        },
      }),
    );
  }
}

function toCredential(item: Record<string, AttributeValue>): CachedCredential | undefined {
  const headerValue = item.headerValue?.S;
  const validUntil = Number(item[EXPIRY_ATTRIBUTE]?.N);
  return headerValue && Number.isFinite(validUntil) ? { headerValue, validUntil } : undefined;
}
