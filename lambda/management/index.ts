import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ApiKeyGateway } from '../subscriptions/api-gateway';
import { CATALOG_ENV, parseCatalog } from '../subscriptions/catalog';
import { SubscriptionManager } from '../subscriptions/manager';
import { SUBSCRIPTION_TABLE_ENV } from '../subscriptions/model';
import { SubscriptionStore } from '../subscriptions/store';
import { createHandler } from './handler';

const tableName = process.env[SUBSCRIPTION_TABLE_ENV];
if (!tableName) {
  throw new Error(`environment variable ${SUBSCRIPTION_TABLE_ENV} is missing`);
}
const secrets = new SecretsManagerClient({});

/** The management function: the subscription lifecycle over the registry and API Gateway. */
export const handler = createHandler({
  manager: new SubscriptionManager({
    store: new SubscriptionStore(new DynamoDBClient({}), tableName),
    catalog: parseCatalog(process.env[CATALOG_ENV]),
    apiGateway: new ApiKeyGateway(new APIGatewayClient({})),
  }),
  writeSecret: async (secretArn, value) => {
    await secrets.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: value }));
  },
});
