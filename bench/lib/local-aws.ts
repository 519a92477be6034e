/**
 * Stand-ins for the AWS services and the identity provider the hot paths call, all on
 * 127.0.0.1: dynalite for the subscription registry, and small HTTP servers for Secrets
 * Manager `GetSecretValue`, Lambda `Invoke` and an OAuth 2.0 token endpoint. The bundles call
 * them through the real AWS SDK, pointed here by `AWS_ENDPOINT_URL_*` variables.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { once } from 'node:events';
import { IncomingMessage, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { createRegistryTable } from '../../test/lambda/subscriptions/registry-server';

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: object) => Server;

/** A local HTTP server and a count of the requests it has received. */
export interface LocalServer {
  readonly url: string;
  /** Requests received since the server started. */
  requests(): number;
  close(): Promise<void>;
}

/** A dynalite server with one empty registry table. */
export interface LocalRegistry extends LocalServer {
  readonly tableName: string;
  readonly client: DynamoDBClient;
}

/**
 * Sets the variables the AWS SDK reads for its region, credentials and endpoints. The
 * credentials are placeholders the local servers ignore; instance metadata is turned off so
 * the SDK never looks beyond them.
 */
export function useLocalAws(endpoints: {
  readonly dynamoDb?: string;
  readonly lambda?: string;
  readonly secretsManager?: string;
}): void {
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDBENCHLOCAL',
    AWS_SECRET_ACCESS_KEY: 'bench-local-only',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  if (endpoints.dynamoDb) process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoints.dynamoDb;
  if (endpoints.lambda) process.env.AWS_ENDPOINT_URL_LAMBDA = endpoints.lambda;
  if (endpoints.secretsManager) {
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoints.secretsManager;
  }
}

/** Starts dynalite in memory and creates a table with the registry's key schema. */
export async function startRegistry(tableName = 'bench-subscriptions'): Promise<LocalRegistry> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const local = await listen(server);
  const client = new DynamoDBClient({
    endpoint: local.url,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDBENCHLOCAL', secretAccessKey: 'bench-local-only' },
  });
  await createRegistryTable(client, tableName);
  return {
    ...local,
    tableName,
    client,
    close: async () => {
      client.destroy();
      await local.close();
    },
  };
}

/** Serves Secrets Manager `GetSecretValue` for the given secrets by ARN; anything else is 400. */
export function startSecretsManager(secrets: ReadonlyMap<string, string>): Promise<LocalServer> {
  return listen(
    createServer((request, response) => {
      void readBody(request).then((body) => {
        const target = request.headers['x-amz-target'];
        const secretId = (JSON.parse(body) as { SecretId?: string }).SecretId ?? '';
        const value = secrets.get(secretId);
        response.setHeader('content-type', 'application/x-amz-json-1.1');
        if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
          response.statusCode = 400;
          response.end(
            JSON.stringify({ __type: 'ResourceNotFoundException', message: 'not found' }),
          );
          return;
        }
        response.end(JSON.stringify({ ARN: secretId, Name: secretId, SecretString: value }));
      });
    }),
  );
}

/**
 * Serves an OAuth 2.0 token endpoint that issues an opaque Bearer token of `lifetimeSeconds`
 * to any client credentials request carrying HTTP Basic client authentication.
 */
export function startTokenEndpoint(lifetimeSeconds: number): Promise<LocalServer> {
  let issued = 0;
  return listen(
    createServer((request, response) => {
      void readBody(request).then((body) => {
        const form = new URLSearchParams(body);
        const basic = request.headers.authorization?.startsWith('Basic ') === true;
        response.setHeader('content-type', 'application/json');
        if (!basic || form.get('grant_type') !== 'client_credentials') {
          response.statusCode = 400;
          response.end(JSON.stringify({ error: 'invalid_request' }));
          return;
        }
        issued++;
        response.end(
          JSON.stringify({
            access_token: `bench-onward-token-${issued}`,
            token_type: 'Bearer',
            expires_in: lifetimeSeconds,
          }),
        );
      });
    }),
  );
}

/**
 * Serves Lambda `Invoke` for one function: the request body is the event, and the reply is
 * what `handler` returns, as the Lambda service passes a function's result.
 */
export function startLambda(handler: (event: unknown) => Promise<unknown>): Promise<LocalServer> {
  return listen(
    createServer((request, response) => {
      void readBody(request)
        .then((body) => handler(JSON.parse(body)))
        .then(
          (result) => {
            response.setHeader('content-type', 'application/json');
            response.end(JSON.stringify(result));
          },
          (error: unknown) => {
            // The Lambda service reports a function's error with this header and a 200 status.
            response.setHeader('x-amz-function-error', 'Unhandled');
            response.end(JSON.stringify({ errorMessage: String(error) }));
          },
        );
    }),
  );
}

async function listen(server: Server): Promise<LocalServer> {
  let requests = 0;
  server.on('request', () => requests++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      const closed = once(server, 'close');
      server.close();
      await closed;
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
