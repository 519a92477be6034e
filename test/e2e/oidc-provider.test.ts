import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { LoadedAuthorizer, invoke, loadAuthorizer } from '../support/authorizer';
import { methodArn, requestEvent } from '../support/events';
import {
  authorizerConfig,
  jwtRequirement,
  jwtValidatorConfig,
  operation,
} from '../support/policy-config';

// A real OpenID provider on 127.0.0.1 issues JWT access tokens with the client credentials
// grant and resource indicators; the bundled authorizer validates them through discovery.
const RESOURCE = 'api://orders';
const CLIENT_ID = 'orders-client';
const CLIENT_SECRET = 'e2e-client-secret-not-used-anywhere-else';

let provider: ChildProcess;
let issuer: string;
let authorizer: LoadedAuthorizer;

beforeAll(async () => {
  issuer = await startProvider();
  const validator = jwtValidatorConfig(
    issuer,
    { kind: 'discovery', url: `${issuer}/.well-known/openid-configuration` },
    {
      audiences: [RESOURCE],
      algorithms: ['ES256'],
      forwardClaims: [{ claim: 'client_id', contextKey: 'clientId' }],
    },
  );
  const scoped = (scope: string) =>
    jwtRequirement([{ claim: 'scope', values: [scope], match: 'all' }]);
  authorizer = loadAuthorizer(
    authorizerConfig(validator, [
      operation('GET', '/orders', scoped('orders.read')),
      operation('DELETE', '/orders/{id}', scoped('orders.delete')),
    ]),
  );
});

afterAll(async () => {
  authorizer?.dispose();
  provider.stdin?.end();
  if (provider.exitCode === null) {
    await once(provider, 'exit');
  }
});

/** Spawns the provider process and resolves with its issuer URL. */
async function startProvider(): Promise<string> {
  const script = join(__dirname, 'oidc-server.mjs');
  provider = spawn(process.execPath, [script, CLIENT_ID, CLIENT_SECRET, RESOURCE], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [firstChunk] = (await once(provider.stdout!, 'data')) as [Buffer];
  return (JSON.parse(firstChunk.toString('utf8').split('\n')[0]) as { issuer: string }).issuer;
}

async function requestToken(scope: string): Promise<string> {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: RESOURCE }),
  });
  const body = (await response.json()) as {
    access_token?: string;
    error?: string;
    error_description?: string;
  };
  if (body.access_token === undefined) {
    throw new Error(
      `token request failed with status ${response.status}: ${body.error} (${body.error_description})`,
    );
  }
  return body.access_token;
}

describe('end to end with oidc-provider', () => {
  test('allows a JWT access token validated through discovery', async () => {
    const token = await requestToken('orders.read');

    const call = await invoke(
      authorizer,
      requestEvent({ resource: '/orders', headers: { Authorization: `Bearer ${token}` } }),
    );

    expect(call.outcome).toBe('allow');
    expect(call.result?.policyDocument.Statement[0].Resource).toEqual([
      methodArn('GET', '/orders'),
    ]);
    expect(call.result?.context?.clientId).toBe(CLIENT_ID);
  });

  test('denies an operation whose scope the token lacks', async () => {
    const token = await requestToken('orders.read');

    const call = await invoke(
      authorizer,
      requestEvent({
        method: 'DELETE',
        resource: '/orders/{id}',
        headers: { Authorization: `Bearer ${token}` },
      }),
    );

    expect(call.outcome).toBe('deny');
    expect(call.log.code).toBe('CLAIM_NOT_SATISFIED');
  });

  test('lists both operations for a token with both scopes', async () => {
    const token = await requestToken('orders.read orders.delete');

    const call = await invoke(
      authorizer,
      requestEvent({ resource: '/orders', headers: { Authorization: `Bearer ${token}` } }),
    );

    expect(call.result?.policyDocument.Statement[0].Resource).toEqual([
      methodArn('GET', '/orders'),
      methodArn('DELETE', '/orders/*'),
    ]);
  });

  test('rejects the token once a character of it changes', async () => {
    const token = await requestToken('orders.read');
    const [header, payload, signature] = token.split('.');
    const changed = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;

    const call = await invoke(
      authorizer,
      requestEvent({
        resource: '/orders',
        headers: { Authorization: `Bearer ${header}.${payload}.${changed}` },
      }),
    );

    expect(call.outcome).toBe('unauthorized');
    expect(call.log.code).toBe('SIGNATURE_INVALID');
  });
});
