import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { ApiPlacement, Gateway } from '../../../lib/gateway/gateway';
import { Product } from '../../../lib/product/product';
import { readAssemblyStacks } from '../../../lib/report/assembly';
import { buildReport } from '../../../lib/report/build';
import { EffectivePolicyReport } from '../../../lib/report/model';
import { NO_AUTHORIZER } from '../../../lib/report/without-authorizer';
import { SubscriptionRegistry } from '../../../lib/subscription/subscription-registry';
import { operation, reportOf, synthAssembly, validator } from './fixtures';

const BACKEND = Backend.http('https://orders.internal.example.com/orders');

/**
 * Returns a declaration of a gateway with JWT, anonymous and subscription-key operations,
 * HTTP, Lambda and mock backends, and a product over one API, with its APIs placed as given.
 */
function declareShop(apiPlacement: ApiPlacement) {
  return (stack: Stack) => {
    const sso = validator(stack, { forwardClaims: [{ claim: 'sub', header: 'X-Caller' }] });
    const registry = new SubscriptionRegistry(stack, 'Subscriptions');
    const handler = new lambda.Function(stack, 'OrdersFunction', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    });
    const gateway = new Gateway(stack, 'Gateway', {
      defaultPolicy: AccessPolicy.jwt(sso),
      apiPlacement,
    });

    const orders = gateway.addApi('orders');
    orders.addOperation('GET', '/orders', { backend: BACKEND });
    orders.addOperation('POST', '/orders', { backend: Backend.lambda(handler) });
    orders.addOperation('GET', '/ping', {
      backend: Backend.mock(),
      policy: AccessPolicy.anonymous(),
    });

    const catalog = gateway.addApi('catalog', { policy: registry.keyPolicy() });
    catalog.addOperation('GET', '/items', { backend: BACKEND });
    new Product(stack, 'Starter', {
      registry,
      apis: [catalog],
      quota: { limit: 100, period: apigw.Period.MONTH },
    });
  };
}

/**
 * Returns the report without the logical ids of methods, which differ between a stack and a
 * nested stack because CDK derives them from the path below the stack.
 */
function withoutMethodIds(report: EffectivePolicyReport): unknown {
  return JSON.parse(
    JSON.stringify(report, (key, value: unknown) =>
      key === 'methodLogicalId' ? undefined : value,
    ),
  ) as unknown;
}

describe('buildReport with nested stacks', () => {
  test('nested and flat reports match', () => {
    const flat = reportOf(declareShop(ApiPlacement.GATEWAY_STACK));

    const nested = reportOf(declareShop(ApiPlacement.NESTED_STACK_PER_API));

    expect(withoutMethodIds(nested)).toEqual(withoutMethodIds(flat));
    expect(nested.gateways[0].problems).toEqual([]);
    expect(operation(nested, 'GET', '/orders').enforced).toBe(true);
    expect(operation(nested, 'POST', '/orders').backend.target).toMatch(/^OrdersFunction/);
    expect(operation(nested, 'GET', '/items').products.map((product) => product.productId)).toEqual(
      ['Starter'],
    );
  });

  test('nested operation without authorizer not enforced', () => {
    const report = reportOf((stack) => {
      const gateway = new Gateway(stack, 'Gateway', {
        defaultPolicy: AccessPolicy.jwt(validator(stack)),
        apiPlacement: ApiPlacement.NESTED_STACK_PER_API,
      });
      const api = gateway.addApi('orders');
      const method = api.addOperation('GET', '/orders', { backend: BACKEND });
      const cfnMethod = method.node.defaultChild as apigw.CfnMethod;
      cfnMethod.authorizationType = 'NONE';
      cfnMethod.authorizerId = undefined;
    });

    expect(operation(report, 'GET', '/orders').enforced).toBe(false);
  });

  test('anonymous nested gateway under root stack', () => {
    const report = reportOf((stack) => {
      const gateway = new Gateway(stack, 'Gateway', {
        defaultPolicy: AccessPolicy.anonymous(),
        apiPlacement: ApiPlacement.NESTED_STACK_PER_API,
      });
      gateway.addApi('status').addOperation('GET', '/status', { backend: Backend.mock() });
    });

    expect(report.gateways.map((gateway) => [gateway.stack, gateway.gateway])).toEqual([
      ['Shop', NO_AUTHORIZER],
    ]);
    expect(operation(report, 'GET', '/status').access).toEqual({ kind: 'anonymous' });
  });

  test('readAssemblyStacks lists nested after parent', () => {
    const assembly = synthAssembly(declareShop(ApiPlacement.NESTED_STACK_PER_API));

    const stacks = readAssemblyStacks(assembly);

    expect(stacks.map((stack) => stack.artifactId)).toEqual(['Shop', 'Shop', 'Shop']);
    expect(stacks[0].parent).toBeUndefined();
    expect(stacks[1].parent).toBe(stacks[0]);
    expect(stacks[1].id).toMatch(/^Shop\/GatewayordersStack.*NestedStackResource/);
    expect(stacks[2].id).toMatch(/^Shop\/GatewaycatalogStack.*NestedStackResource/);
    expect(stacks[1].templatePath).toMatch(/\.nested\.template\.json$/);
  });

  test('finds nested templates through asset metadata', () => {
    // The CDK CLI sets this context, which adds `aws:asset:path` to each nested stack resource.
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'gatehouse-report-')),
      context: { 'aws:cdk:enable-asset-metadata': true },
    });
    const assembly = synthAssembly(declareShop(ApiPlacement.NESTED_STACK_PER_API), app);

    const report = buildReport(assembly);

    const parent = JSON.parse(readFileSync(join(assembly, 'Shop.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }>;
    };
    const nestedStacks = Object.values(parent.Resources).filter(
      (resource) => resource.Type === 'AWS::CloudFormation::Stack',
    );
    expect(nestedStacks[0].Metadata?.['aws:asset:path']).toMatch(/\.nested\.template\.json$/);
    expect(report.gateways[0].problems).toEqual([]);
    expect(operation(report, 'GET', '/orders').enforced).toBe(true);
  });
});
