import { Duration } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { HttpMethod } from '../../../lambda/policy/config';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { TokenSource } from '../../../lib/jwt-validator/token-source';
import {
  allResources,
  newGateway,
  newStack,
  newValidator,
  onlyResource,
  synth,
  thrownBy,
} from '../helpers';

function authorizers(template: Template): Record<string, unknown>[] {
  return allResources(template, 'AWS::ApiGateway::Authorizer');
}

/** Returns the CfnMethod properties for `method` on the resource whose last segment is `part`. */
function methodOf(template: Template, method: string, part: string): Record<string, unknown> {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const resourceId = Object.entries(resources).find(
    ([, resource]) =>
      (resource as { Properties: { PathPart: string } }).Properties.PathPart === part,
  )?.[0];
  const match = allResources(template, 'AWS::ApiGateway::Method').find(
    (properties) =>
      properties.HttpMethod === method &&
      JSON.stringify(properties.ResourceId) === JSON.stringify({ Ref: resourceId }),
  );
  if (!match) {
    throw new Error(`no ${method} method on ${part}`);
  }
  return match;
}

describe('Api', () => {
  test('stage carries the gatehouseApi variable and default name', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);

    const stage = onlyResource(template, 'AWS::ApiGateway::Stage');
    expect(stage.StageName).toBe('live');
    expect(stage.Variables).toEqual({ gatehouseApi: 'orders' });
  });

  test('stageName and description change the template', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway
      .addApi('orders', { stageName: 'v1', description: 'Orders' })
      .addOperation('GET', '/orders', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);

    expect(onlyResource(template, 'AWS::ApiGateway::Stage').StageName).toBe('v1');
    expect(onlyResource(template, 'AWS::ApiGateway::RestApi').Description).toBe('Orders');
  });

  test('REST API uses a regional endpoint', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);

    const restApi = onlyResource(template, 'AWS::ApiGateway::RestApi');
    expect(restApi.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
  });

  test('operations with the same token source share one cached authorizer', () => {
    const stack = newStack();
    const gateway = newGateway(stack, { authorizerCacheTtl: Duration.minutes(5) });
    const api = gateway.addApi('orders');

    api.addOperation('GET', '/orders', { backend: Backend.mock() });
    api.addOperation('POST', '/orders', { backend: Backend.mock() });
    const { template, config } = synth(stack, gateway);

    const [authorizer] = authorizers(template);
    expect(authorizers(template)).toHaveLength(1);
    expect(authorizer.Type).toBe('REQUEST');
    expect(authorizer.IdentitySource).toBe('method.request.header.Authorization');
    expect(authorizer.AuthorizerResultTtlInSeconds).toBe(300);
    const groups = config.apis.orders.operations.map((op) => op.authorizer);
    expect(groups).toEqual([
      'cached:method.request.header.Authorization',
      'cached:method.request.header.Authorization',
    ]);
  });

  test('default authorizer cache TTL is 60 seconds', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);

    expect(authorizers(template)[0].AuthorizerResultTtlInSeconds).toBe(60);
  });

  test('uncacheable policies get their own authorizer with TTL 0', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    const multiSource = newValidator(
      stack,
      { tokenSources: [TokenSource.header(), TokenSource.cookie('session')] },
      'Web',
    );
    const api = gateway.addApi('orders');

    api.addOperation('GET', '/orders', { backend: Backend.mock() });
    api.addOperation('GET', '/cart', {
      backend: Backend.mock(),
      policy: AccessPolicy.jwt(multiSource),
    });
    const { template, config } = synth(stack, gateway);

    const uncached = authorizers(template).find((a) => a.AuthorizerResultTtlInSeconds === 0);
    expect(authorizers(template)).toHaveLength(2);
    expect(uncached?.IdentitySource).toBeUndefined();
    expect(config.apis.orders.operations[1].authorizer).toBe('uncached');
  });

  test('different token sources get separate cached authorizers', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    const queryToken = newValidator(stack, { tokenSources: [TokenSource.query('token')] }, 'Query');
    const api = gateway.addApi('orders');

    api.addOperation('GET', '/orders', { backend: Backend.mock() });
    api.addOperation('GET', '/export', {
      backend: Backend.mock(),
      policy: AccessPolicy.jwt(queryToken),
    });
    const { template } = synth(stack, gateway);

    const sources = authorizers(template)
      .map((a) => a.IdentitySource)
      .sort();
    expect(sources).toEqual([
      'method.request.header.Authorization',
      'method.request.querystring.token',
    ]);
  });

  test('authorizer TTL 0 when the gateway disables caching', () => {
    const stack = newStack();
    const gateway = newGateway(stack, { authorizerCacheTtl: Duration.seconds(0) });

    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);

    expect(authorizers(template)[0].AuthorizerResultTtlInSeconds).toBe(0);
  });

  test('methods reference their group authorizer', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);

    const method = methodOf(template, 'GET', 'orders');
    expect(method.AuthorizationType).toBe('CUSTOM');
    expect(method.AuthorizerId).toEqual({ Ref: expect.stringMatching(/Authorizer0/) });
  });

  test('anonymous operation uses no authorizer', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway.addApi('orders').addOperation('GET', '/health', {
      backend: Backend.mock(),
      policy: AccessPolicy.anonymous(),
    });
    const { template, config } = synth(stack, gateway);

    const method = methodOf(template, 'GET', 'health');
    expect(method.AuthorizationType).toBe('NONE');
    expect(method.AuthorizerId).toBeUndefined();
    expect(config.apis.orders.operations[0]).toEqual({
      method: 'GET',
      path: '/health',
      authorizer: 'none',
      access: { kind: 'anonymous' },
    });
  });

  test('operation policy wins over API and gateway policies', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    const validator = newValidator(stack, {}, 'Other');
    const api = gateway.addApi('orders', {
      policy: AccessPolicy.jwt(validator, {
        requiredClaims: [{ claim: 'roles', values: ['api'] }],
      }),
    });

    api.addOperation('GET', '/a', { backend: Backend.mock() });
    api.addOperation('GET', '/b', {
      backend: Backend.mock(),
      policy: AccessPolicy.jwt(validator, { requiredClaims: [{ claim: 'roles', values: ['op'] }] }),
    });
    const { config } = synth(stack, gateway);

    const [a, b] = config.apis.orders.operations;
    expect(a.access).toEqual({
      kind: 'jwt',
      validator: 'Test/Other',
      claims: [{ claim: 'roles', values: ['api'], match: 'all' }],
    });
    expect(b.access).toEqual({
      kind: 'jwt',
      validator: 'Test/Other',
      claims: [{ claim: 'roles', values: ['op'], match: 'all' }],
    });
  });

  test('config lists each used validator once', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    const api = gateway.addApi('orders');

    api.addOperation('GET', '/a', { backend: Backend.mock() });
    api.addOperation('GET', '/b', { backend: Backend.mock() });
    const { config } = synth(stack, gateway);

    expect(Object.keys(config.jwtValidators)).toEqual(['Test/Sso']);
    expect(config.version).toBe(1);
    expect(config.gateway).toBe('Test/Gateway');
    expect(config.apis.orders.name).toBe('Test/Gateway/orders');
  });

  test('composite policies compile into the config', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    const partner = newValidator(stack, {}, 'Partner');

    gateway.addApi('orders').addOperation('GET', '/a', {
      backend: Backend.mock(),
      policy: AccessPolicy.anyOf(
        AccessPolicy.jwt(partner),
        AccessPolicy.allOf(AccessPolicy.jwt(partner)),
      ),
    });
    const { config } = synth(stack, gateway);

    expect(config.apis.orders.operations[0].access).toEqual({
      kind: 'anyOf',
      of: [
        { kind: 'jwt', validator: 'Test/Partner', claims: [] },
        { kind: 'allOf', of: [{ kind: 'jwt', validator: 'Test/Partner', claims: [] }] },
      ],
    });
  });

  test('forwarded claims become integration request headers', () => {
    const stack = newStack();
    const validator = newValidator(stack, {
      forwardClaims: [{ claim: 'oid', header: 'X-Caller-Oid' }],
    });
    const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(validator) });

    gateway.addApi('orders').addOperation('GET', '/orders/{id}', {
      backend: Backend.http('https://orders.internal/orders/{id}'),
    });
    const { template } = synth(stack, gateway);

    const integration = methodOf(template, 'GET', '{id}').Integration as Record<string, unknown>;
    expect(integration.Type).toBe('HTTP_PROXY');
    expect(integration.Uri).toBe('https://orders.internal/orders/{id}');
    expect(integration.RequestParameters).toEqual({
      'integration.request.header.X-Caller-Oid': 'context.authorizer.claim_oid',
      'integration.request.path.id': 'method.request.path.id',
    });
  });

  test('lambda backend uses a proxy integration', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    const handler = new lambda.Function(stack, 'Backend', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 })'),
    });

    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.lambda(handler) });
    const { template } = synth(stack, gateway);

    const integration = methodOf(template, 'GET', 'orders').Integration as Record<string, unknown>;
    expect(integration.Type).toBe('AWS_PROXY');
  });

  test('mock backend answers with its status and body', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway.addApi('orders').addOperation('GET', '/orders', {
      backend: Backend.mock({ statusCode: 202, body: '{"queued":true}' }),
    });
    const { template } = synth(stack, gateway);

    const method = methodOf(template, 'GET', 'orders');
    const integration = method.Integration as { IntegrationResponses: Record<string, unknown>[] };
    expect(integration.IntegrationResponses).toEqual([
      { StatusCode: '202', ResponseTemplates: { 'application/json': '{"queued":true}' } },
    ]);
    expect(method.MethodResponses).toEqual([{ StatusCode: '202' }]);
  });

  test('plain http backend adds a warning', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway
      .addApi('orders')
      .addOperation('GET', '/orders', { backend: Backend.http('http://orders.internal/') });
    synth(stack, gateway);

    Annotations.fromStack(stack).hasWarning(
      '/Test/Gateway/orders',
      Match.stringLikeRegexp('uses plain http, so forwarded claims cross the network unencrypted'),
    );
  });
});

describe('Api errors', () => {
  function newApi(stack = newStack()) {
    return newGateway(stack).addApi('orders');
  }

  test('rejects an operation without any policy', () => {
    const stack = newStack();
    const api = new Gateway(stack, 'Gateway').addApi('orders');

    const error = thrownBy(() => api.addOperation('GET', '/orders', { backend: Backend.mock() }));

    expect(error.code).toBe('MissingAccessPolicy');
    expect(error.message).toBe(
      "operation GET /orders has no access policy; set policy on the operation, the API or the gateway's defaultPolicy (AccessPolicy.anonymous() opens it to everyone) (at Test/Gateway/orders)",
    );
  });

  const operationCases: [string, HttpMethod, string, string, string][] = [
    [
      'unknown method',
      'TRACE' as HttpMethod,
      '/a',
      'InvalidMethod',
      "addOperation() method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, ANY, got 'TRACE'",
    ],
    [
      'path without leading slash',
      'GET',
      'orders',
      'InvalidPath',
      "addOperation() path must start with '/' and contain literal, {param} or a final {param+} segments, got 'orders'",
    ],
    [
      'path with an empty segment',
      'GET',
      '/a//b',
      'InvalidPath',
      "addOperation() path must start with '/' and contain literal, {param} or a final {param+} segments, got '/a//b'",
    ],
    [
      'greedy segment before the end',
      'GET',
      '/{proxy+}/a',
      'InvalidPath',
      "addOperation() path must start with '/' and contain literal, {param} or a final {param+} segments, got '/{proxy+}/a'",
    ],
  ];

  test.each(operationCases)('rejects %s', (_name, method, path, code, message) => {
    const api = newApi();

    const error = thrownBy(() => api.addOperation(method, path, { backend: Backend.mock() }));

    expect(error.code).toBe(code);
    expect(error.message).toBe(`${message} (at Test/Gateway/orders)`);
  });

  test('rejects a duplicate operation', () => {
    const api = newApi();
    api.addOperation('GET', '/orders', { backend: Backend.mock() });

    const error = thrownBy(() => api.addOperation('GET', '/orders', { backend: Backend.mock() }));

    expect(error.code).toBe('DuplicateOperation');
    expect(error.message).toBe(
      'operation GET /orders is already defined on this API (at Test/Gateway/orders)',
    );
  });

  test('rejects an API id that cannot be a stage variable', () => {
    const gateway = newGateway(newStack());

    const error = thrownBy(() => gateway.addApi('orders api'));

    expect(error.code).toBe('InvalidApiId');
    expect(error.message).toContain("got 'orders api'");
  });

  test('rejects a base path with a leading slash', () => {
    const gateway = newGateway(newStack());

    const error = thrownBy(() => gateway.addApi('orders', { basePath: '/orders' }));

    expect(error.code).toBe('InvalidBasePath');
    expect(error.message).toContain("got '/orders'");
  });

  test('rejects a stage name with a dot', () => {
    const gateway = newGateway(newStack());

    const error = thrownBy(() => gateway.addApi('orders', { stageName: 'v1.0' }));

    expect(error.code).toBe('InvalidStageName');
    expect(error.message).toBe(
      "stageName must be 1 to 128 letters, digits, '_' or '-', got 'v1.0' (at Test/Gateway/orders)",
    );
  });

  test('rejects a backend URL without a scheme', () => {
    const api = newApi();

    const error = thrownBy(() =>
      api.addOperation('GET', '/a', { backend: Backend.http('orders.internal') }),
    );

    expect(error.code).toBe('InvalidBackendUrl');
    expect(error.message).toBe(
      "Backend.http() url must be an absolute http or https URL, got 'orders.internal' (at Test/Gateway/orders)",
    );
  });

  test('rejects a mock status code out of range', () => {
    const api = newApi();

    const error = thrownBy(() =>
      api.addOperation('GET', '/a', { backend: Backend.mock({ statusCode: 600 }) }),
    );

    expect(error.code).toBe('InvalidMockBackend');
    expect(error.message).toBe(
      'Backend.mock() statusCode must be between 100 and 599, got 600 (at Test/Gateway/orders)',
    );
  });

  test('rejects an empty allOf at synth', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    gateway
      .addApi('orders')
      .addOperation('GET', '/a', { backend: Backend.mock(), policy: AccessPolicy.allOf() });

    const error = thrownBy(() => Template.fromStack(stack));

    expect(error.code).toBe('EmptyPolicyList');
    expect(error.message).toBe(
      'AccessPolicy.allOf() needs at least one policy, got none (at Test/Gateway/orders)',
    );
  });
});
