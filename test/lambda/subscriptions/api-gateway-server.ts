import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import {
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeysCommand,
  UpdateApiKeyCommand,
} from '@aws-sdk/client-api-gateway';
import { FakeApiGateway } from './fake-api-gateway';

/**
 * Serves the API Gateway REST calls the management function makes on 127.0.0.1, over HTTP
 * as the SDK sends them, and applies them to the in-memory fake.
 */
export function apiGatewayServer(fake: FakeApiGateway): Server {
  return createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const command = commandFor(request, body ? JSON.parse(body) : {});
      fake.send(command).then(
        (output) => reply(response, 200, renameItems(output)),
        (error: Error) =>
          reply(response, statusOf(error.name), { message: error.message }, error.name),
      );
    });
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function commandFor(request: IncomingMessage, body: Record<string, any>): object {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const keyId = /^\/apikeys\/([^/]+)$/.exec(url.pathname)?.[1];
  const planId = /^\/usageplans\/([^/]+)\/keys$/.exec(url.pathname)?.[1];
  if (request.method === 'POST' && url.pathname === '/apikeys') {
    return new CreateApiKeyCommand(body);
  }
  if (request.method === 'GET' && url.pathname === '/apikeys') {
    return new GetApiKeysCommand({ nameQuery: url.searchParams.get('name') ?? '' });
  }
  if (request.method === 'DELETE' && keyId) {
    return new DeleteApiKeyCommand({ apiKey: keyId });
  }
  if (request.method === 'PATCH' && keyId) {
    return new UpdateApiKeyCommand({ apiKey: keyId, patchOperations: body.patchOperations });
  }
  if (request.method === 'POST' && planId) {
    return new CreateUsagePlanKeyCommand({
      usagePlanId: planId,
      keyId: body.keyId,
      keyType: body.keyType,
    });
  }
  throw new Error(`the API Gateway stand-in does not serve ${request.method} ${url.pathname}`);
}

// API Gateway's JSON names a list `item`; the SDK maps it to `items`.
function renameItems(output: unknown): unknown {
  const value = output as { items?: unknown[] };
  return value.items ? { item: value.items } : output;
}

function statusOf(name: string): number {
  return { NotFoundException: 404, ConflictException: 409, BadRequestException: 400 }[name] ?? 429;
}

function reply(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/json',
    ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
  });
  response.end(JSON.stringify(body));
}
