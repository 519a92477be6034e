import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { AddressInfo } from 'node:net';
import { OWNER_INDEX } from '../../../lambda/subscriptions/codec';

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: object) => import('node:http').Server;

/** A DynamoDB-compatible server on 127.0.0.1 with an empty registry table. */
export interface RegistryServer {
  readonly endpoint: string;
  readonly tableName: string;
  readonly client: DynamoDBClient;
  close(): Promise<void>;
}

let tableCount = 0;

/** Starts dynalite in memory on a free loopback port and creates a registry table in it. */
export async function startRegistryServer(): Promise<RegistryServer> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createClient(endpoint);
  const tableName = `subscriptions-${++tableCount}`;
  await createRegistryTable(client, tableName);

  const close = async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { endpoint, tableName, client, close };
}

/** Returns a client for the local server, with dummy credentials that dynalite ignores. */
export function createClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Creates a table with the registry's key schema and owner index, as the construct declares it. */
export async function createRegistryTable(
  client: DynamoDBClient,
  tableName: string,
): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'owner', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: OWNER_INDEX,
          KeySchema: [
            { AttributeName: 'owner', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  await waitUntilTableExists(
    { client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 },
    { TableName: tableName },
  );
}
