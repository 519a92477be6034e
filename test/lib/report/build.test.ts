import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { Product } from '../../../lib/product/product';
import { SubscriptionRegistry } from '../../../lib/subscription/subscription-registry';
import { buildReport } from '../../../lib/report/build';
import {
  AUDIENCE,
  ISSUER,
  editAuthorizerConfig,
  gatewayWith,
  operation,
  reportOf,
  synthAssembly,
  validator,
} from './fixtures';

const BACKEND = Backend.http('https://orders.internal.example.com/orders');

describe('buildReport', () => {
  test('lists the JWT parameters each operation enforces', () => {
    const report = reportOf((stack) => {
      const sso = validator(stack, { forwardClaims: [{ claim: 'sub', header: 'X-Caller' }] });
      gatewayWith(stack, sso).addApi('orders').addOperation('GET', '/orders', { backend: BACKEND });
    });

    const access = operation(report, 'GET', '/orders').access;

    expect(access.kind).toBe('jwt');
    if (access.kind !== 'jwt') return;
    expect(access.issuers).toEqual([{ exact: ISSUER }]);
    expect(access.audiences).toEqual([AUDIENCE]);
    expect(access.keys).toEqual({
      kind: 'discovery',
      url: 'https://login.example.com/.well-known/openid-configuration',
    });
    expect(access.tokenSources).toEqual([
      { in: 'header', name: 'Authorization', scheme: 'Bearer' },
    ]);
    expect(access.forwardedClaims.map((forward) => forward.claim)).toEqual(['sub']);
  });

  test('joins validator and operation claim checks', () => {
    const report = reportOf((stack) => {
      const sso = validator(stack, { requiredClaims: [{ claim: 'scp', values: ['orders'] }] });
      gatewayWith(stack, sso)
        .addApi('orders')
        .addOperation('DELETE', '/orders/{id}', {
          backend: BACKEND,
          policy: AccessPolicy.jwt(sso, {
            requiredClaims: [{ claim: 'roles', values: ['Admin', 'Owner'], match: 'any' }],
          }),
        });
    });

    const access = operation(report, 'DELETE', '/orders/{id}').access;

    expect(access.kind === 'jwt' && access.requiredClaims).toEqual([
      { claim: 'scp', values: ['orders'], match: 'all', from: 'validator' },
      { claim: 'roles', values: ['Admin', 'Owner'], match: 'any', from: 'policy' },
    ]);
  });

  test('reports an anonymous operation without an authorizer', () => {
    const report = reportOf((stack) => {
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      api.addOperation('GET', '/health', {
        backend: Backend.mock(),
        policy: AccessPolicy.anonymous(),
      });
    });

    const health = operation(report, 'GET', '/health');

    expect(health.access).toEqual({ kind: 'anonymous' });
    expect(health.enforced).toBe(true);
    expect(health.caching).toEqual({ authorizer: null, ttlSeconds: 0, identitySources: [] });
  });

  test('reads a gateway without authorizer from the template alone', () => {
    const report = reportOf((stack) => {
      new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.anonymous() })
        .addApi('status')
        .addOperation('GET', '/health', { backend: Backend.mock() });
    });

    const [gateway] = report.gateways;

    expect(gateway.gateway).toBe('(no authorizer)');
    expect(gateway.apis.map((api) => api.key)).toEqual(['status']);
    expect(operation(report, 'GET', '/health').access).toEqual({ kind: 'anonymous' });
  });

  test('reads the decision cache TTL and key from the template', () => {
    const report = reportOf((stack) => {
      const sso = validator(stack);
      new Gateway(stack, 'Gateway', {
        defaultPolicy: AccessPolicy.jwt(sso),
        authorizerCacheTtl: Duration.seconds(120),
      })
        .addApi('orders')
        .addOperation('GET', '/orders', { backend: BACKEND });
    });

    const caching = operation(report, 'GET', '/orders').caching;

    expect(caching.ttlSeconds).toBe(120);
    expect(caching.identitySources).toEqual(['method.request.header.Authorization']);
  });

  test('marks an operation whose method skips the authorizer', () => {
    const report = reportOf((stack) => {
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      const method = api.addOperation('POST', '/orders', { backend: BACKEND });
      const cfnMethod = method.node.defaultChild as apigw.CfnMethod;
      cfnMethod.addPropertyOverride('AuthorizationType', 'NONE');
      cfnMethod.addPropertyDeletionOverride('AuthorizerId');
    });

    expect(operation(report, 'POST', '/orders').enforced).toBe(false);
    expect(operation(report, 'GET', '/orders').enforced).toBe(true);
  });

  test('lists methods added to the REST API outside Gatehouse', () => {
    const report = reportOf((stack) => {
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      api.restApi.root.addResource('debug').addMethod('GET', new apigw.MockIntegration(), {
        authorizationType: apigw.AuthorizationType.NONE,
      });
    });

    const api = report.gateways[0].apis[0];

    expect(api.undeclaredMethods).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/debug',
        authorizationType: 'NONE',
        integration: 'mock',
      }),
    ]);
  });

  test('lists usage plans on the stage with their quota and throttle', () => {
    const report = reportOf((stack) => {
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      api.addOperation('POST', '/orders', { backend: BACKEND });
      const plan = api.restApi.addUsagePlan('Trial', {
        name: 'trial',
        quota: { limit: 1000, period: apigw.Period.DAY },
        throttle: { rateLimit: 10, burstLimit: 20 },
      });
      plan.addApiStage({
        stage: api.restApi.deploymentStage,
        throttle: [
          {
            method: api.restApi.root
              .resourceForPath('/orders')
              .node.findChild('POST') as apigw.Method,
            throttle: { rateLimit: 1, burstLimit: 2 },
          },
        ],
      });
    });

    expect(operation(report, 'GET', '/orders').products).toEqual([
      {
        name: 'trial',
        productId: null,
        subscriptionRequired: null,
        approvalRequired: null,
        stage: 'live',
        quota: { limit: 1000, period: 'DAY' },
        throttle: { rateLimit: 10, burstLimit: 20, methodOverride: false },
      },
    ]);
    expect(operation(report, 'POST', '/orders').products[0].throttle).toEqual({
      rateLimit: 1,
      burstLimit: 2,
      methodOverride: true,
    });
  });

  test('names the product behind a usage plan and its subscription rules', () => {
    const report = reportOf((stack) => {
      const registry = new SubscriptionRegistry(stack, 'Subscriptions');
      const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: registry.keyPolicy() });
      const api = gateway.addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      new Product(stack, 'Paid', {
        registry,
        apis: [api],
        approvalRequired: true,
        quota: { limit: 100, period: apigw.Period.MONTH },
      });
      new Product(stack, 'Open', { registry, apis: [api], subscriptionRequired: false });
    });

    const products = operation(report, 'GET', '/orders').products;

    expect(products.map((product) => [product.productId, product.subscriptionRequired])).toEqual([
      ['Open', false],
      ['Paid', true],
    ]);
    expect(products[1].approvalRequired).toBe(true);
    expect(products[1].quota).toEqual({ limit: 100, period: 'MONTH' });
  });

  test('lists where a subscription key is read from', () => {
    const report = reportOf((stack) => {
      const registry = new SubscriptionRegistry(stack, 'Subscriptions');
      const gateway = new Gateway(stack, 'Gateway', {
        defaultPolicy: registry.keyPolicy({ header: 'X-Key', queryParameter: 'key' }),
      });
      gateway.addApi('orders').addOperation('GET', '/orders', { backend: BACKEND });
    });

    const access = operation(report, 'GET', '/orders').access;

    expect(access).toMatchObject({
      kind: 'subscriptionKey',
      header: 'x-key',
      queryParameter: 'key',
      optional: false,
      lookupCacheSeconds: 30,
    });
  });

  test('names the backend of http, lambda and mock operations', () => {
    const report = reportOf((stack) => {
      const handler = new lambda.Function(stack, 'OrdersFunction', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
      });
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      api.addOperation('POST', '/orders', { backend: Backend.lambda(handler) });
      api.addOperation('GET', '/ping', { backend: Backend.mock() });
    });

    expect(operation(report, 'GET', '/orders').backend.integration).toBe('http');
    expect(operation(report, 'GET', '/orders').backend.target).toBe(
      'https://orders.internal.example.com/orders',
    );
    expect(operation(report, 'POST', '/orders').backend.integration).toBe('lambda');
    expect(operation(report, 'POST', '/orders').backend.target).toMatch(/^OrdersFunction/);
    expect(operation(report, 'GET', '/ping').backend).toMatchObject({
      integration: 'mock',
      target: null,
    });
  });

  test('lists the headers the backend gets from the authorizer', () => {
    const report = reportOf((stack) => {
      const sso = validator(stack, { forwardClaims: [{ claim: 'oid', header: 'X-Object-Id' }] });
      gatewayWith(stack, sso).addApi('orders').addOperation('GET', '/orders', { backend: BACKEND });
    });

    const headers = operation(report, 'GET', '/orders').backend.headersFromAuthorizer;

    expect(headers.map((header) => header.header)).toEqual(['X-Object-Id']);
  });

  test('shows a requirement kind it does not know as compiled', () => {
    const assembly = synthAssembly((stack) => {
      gatewayWith(stack, validator(stack))
        .addApi('orders')
        .addOperation('GET', '/orders', { backend: BACKEND });
    });
    const future = { kind: 'sourceAddress', cidrs: ['10.0.0.0/8'] };
    editAuthorizerConfig(assembly, (config) => {
      const op = config.apis.orders.operations[0];
      const edited = { ...op, access: future as unknown as typeof op.access };
      return { ...config, apis: { orders: { ...config.apis.orders, operations: [edited] } } };
    });

    const access = operation(buildReport(assembly), 'GET', '/orders').access;

    expect(access).toEqual({ kind: 'other', requirementKind: 'sourceAddress', raw: future });
  });

  test('records an operation that has no method in the template', () => {
    const assembly = synthAssembly((stack) => {
      gatewayWith(stack, validator(stack))
        .addApi('orders')
        .addOperation('GET', '/orders', { backend: BACKEND });
    });
    editAuthorizerConfig(assembly, (config) => {
      const [op] = config.apis.orders.operations;
      const ghost = { ...op, path: '/ghost' };
      return { ...config, apis: { orders: { ...config.apis.orders, operations: [op, ghost] } } };
    });

    const gateway = buildReport(assembly).gateways[0];

    expect(gateway.problems).toEqual(['orders: no method GET /ghost in the template']);
    expect(operation(buildReport(assembly), 'GET', '/ghost').enforced).toBe(false);
  });

  test('rejects a directory that is not a cloud assembly', () => {
    const empty = mkdtempSync(join(tmpdir(), 'gatehouse-empty-'));

    expect(() => buildReport(empty)).toThrow(
      `${empty} is not a cloud assembly: manifest.json not found`,
    );
  });
});
