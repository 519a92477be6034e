import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { JwtKeys } from '../../../lib/jwt-validator/jwt-keys';
import { LoadedAuthorizer, iamResourceMatches, invoke } from '../../support/authorizer';
import { methodArn, requestEvent } from '../../support/events';
import { generateSigningKey, signJwt, standardClaims } from '../../support/jwt';
import { AUDIENCE, ISSUER, newStack, newValidator } from '../helpers';

const signingKey = generateSigningKey('ES256');

/**
 * Synthesizes a gateway whose validator contains the signing key inline, and loads the
 * authorizer from the asset directory the synth staged: the bundle with its config.json.
 */
function synthesizedAuthorizer(): LoadedAuthorizer {
  const stack = newStack();
  const validator = newValidator(stack, {
    keys: JwtKeys.fromJwk(signingKey.jwk),
    forwardClaims: [{ claim: 'oid', header: 'X-Caller-Oid' }],
  });
  const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(validator) });
  const api = gateway.addApi('orders', { stageName: 'prod' });
  api.addOperation('GET', '/orders', { backend: Backend.mock() });
  api.addOperation('DELETE', '/orders/{id}', {
    backend: Backend.mock(),
    policy: AccessPolicy.jwt(validator, {
      requiredClaims: [{ claim: 'roles', values: ['Admin'] }],
    }),
  });

  const assembly = (stack.node.root as App).synth();
  const assets = JSON.parse(readFileSync(join(assembly.directory, 'Test.assets.json'), 'utf8'));
  const [asset] = Object.values(assets.files as Record<string, { source: { path: string } }>);
  const directory = join(assembly.directory, asset.source.path);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(join(directory, 'index.js')) as Pick<LoadedAuthorizer, 'handler'>;
  return { handler: module.handler, directory, dispose: () => undefined };
}

function bearer(claims: Record<string, unknown>): Record<string, string> {
  const token = signJwt(signingKey, standardClaims(ISSUER, AUDIENCE, claims));
  return { Authorization: `Bearer ${token}` };
}

describe('synthesized authorizer asset', () => {
  const authorizer = synthesizedAuthorizer();

  test('allows a valid token on the gateway default policy', async () => {
    const event = requestEvent({ resource: '/orders', headers: bearer({ oid: 'user-1' }) });

    const invocation = await invoke(authorizer, event);

    expect(invocation.outcome).toBe('allow');
    expect(invocation.result?.context?.claim_oid).toBe('user-1');
  });

  test('denies an operation whose required role is missing', async () => {
    const event = requestEvent({
      method: 'DELETE',
      resource: '/orders/{id}',
      headers: bearer({ roles: ['Reader'] }),
    });

    const invocation = await invoke(authorizer, event);

    expect(invocation.outcome).toBe('deny');
  });

  test('allow for one operation does not cover an admin operation', async () => {
    const event = requestEvent({ resource: '/orders', headers: bearer({ roles: ['Reader'] }) });

    const invocation = await invoke(authorizer, event);

    const resources = invocation.result?.policyDocument.Statement[0].Resource ?? [];
    expect(
      resources.some((pattern) => iamResourceMatches(pattern, methodArn('GET', '/orders'))),
    ).toBe(true);
    const deleteArn = methodArn('DELETE', '/orders/7');
    expect(resources.some((pattern) => iamResourceMatches(pattern, deleteArn))).toBe(false);
  });

  test('rejects a request without a token as unauthorized', async () => {
    const event = requestEvent({ resource: '/orders' });

    const invocation = await invoke(authorizer, event);

    expect(invocation.outcome).toBe('unauthorized');
  });
});
