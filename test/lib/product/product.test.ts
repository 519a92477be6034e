import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Product } from '../../../lib/product/product';
import { allResources, onlyResource, thrownBy } from '../helpers';
import { addProduct, saasFixture } from '../subscription/fixture';

type Stage = { ApiId: { Ref: string }; Stage: { Ref: string }; Throttle?: Record<string, unknown> };

function logicalIdOf(template: Template, type: string, path: string): string {
  const found = Object.entries(template.findResources(type)).find(([id]) => id.startsWith(path));
  if (!found) {
    throw new Error(`no ${type} whose logical id starts with ${path}`);
  }
  return found[0];
}

describe('Product usage plan', () => {
  test('spans the stage of each API', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial', { apis: [fixture.orders, fixture.catalog] });

    const template = Template.fromStack(fixture.stack);

    const stages = onlyResource(template, 'AWS::ApiGateway::UsagePlan').ApiStages as Stage[];
    expect(stages.map((stage) => stage.ApiId.Ref)).toEqual([
      logicalIdOf(template, 'AWS::ApiGateway::RestApi', 'Gatewayorders'),
      logicalIdOf(template, 'AWS::ApiGateway::RestApi', 'Gatewaycatalog'),
    ]);
  });

  test('refers to the deployed stage, so the plan waits for it', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial');

    const template = Template.fromStack(fixture.stack);

    const [stage] = onlyResource(template, 'AWS::ApiGateway::UsagePlan').ApiStages as Stage[];
    expect(stage.Stage.Ref).toBe(
      logicalIdOf(template, 'AWS::ApiGateway::Stage', 'GatewayordersDeploymentStage'),
    );
  });

  test('sets the throttle and quota', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Paid', {
      throttle: { ratePerSecond: 50, burst: 100 },
      quota: { limit: 1_000_000, period: apigw.Period.MONTH },
    });

    const plan = onlyResource(Template.fromStack(fixture.stack), 'AWS::ApiGateway::UsagePlan');

    expect(plan.Throttle).toEqual({ RateLimit: 50, BurstLimit: 100 });
    expect(plan.Quota).toEqual({ Limit: 1_000_000, Period: 'MONTH' });
  });

  test('sets a throttle for one operation', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial', {
      operationThrottles: [
        { operation: fixture.createOrder, throttle: { ratePerSecond: 1, burst: 2 } },
      ],
    });

    const [stage] = onlyResource(Template.fromStack(fixture.stack), 'AWS::ApiGateway::UsagePlan')
      .ApiStages as Stage[];

    expect(stage.Throttle).toEqual({ '/orders/POST': { RateLimit: 1, BurstLimit: 2 } });
  });

  test('takes API keys from the authorizer on its APIs', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial');

    const apis = allResources(Template.fromStack(fixture.stack), 'AWS::ApiGateway::RestApi');

    expect(apis.map((api) => api.ApiKeySourceType)).toEqual([
      'AUTHORIZER',
      'AUTHORIZER',
      'AUTHORIZER',
    ]);
  });

  test('requires an API key only where a key is always needed', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial');

    const template = Template.fromStack(fixture.stack);

    const required = (id: string) =>
      (
        template.findResources('AWS::ApiGateway::Method')[
          logicalIdOf(template, 'AWS::ApiGateway::Method', id)
        ].Properties as { ApiKeyRequired?: boolean }
      ).ApiKeyRequired ?? false;
    expect(required('GatewayordersordersGET')).toBe(true);
    expect(required('GatewayordersordersPOST')).toBe(true);
    expect(required('GatewayordershealthGET')).toBe(false);
    expect(required('GatewaycatalogitemsGET')).toBe(false);
  });

  test('lists its APIs in the authorizer config', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial', { apis: [fixture.orders, fixture.catalog] });
    addProduct(fixture, 'Paid', { apis: [fixture.orders, fixture.catalog, fixture.billing] });

    Template.fromStack(fixture.stack);

    const registry =
      fixture.gateway.authorizerConfig?.subscriptionRegistries?.[fixture.registry.registryId];
    expect(registry?.products).toEqual({
      Trial: ['orders', 'catalog'],
      Paid: ['orders', 'catalog', 'billing'],
    });
  });

  test('grantRead allows GET on the usage plan only', () => {
    const fixture = saasFixture();
    const product = addProduct(fixture, 'Trial');
    const role = new iam.Role(fixture.stack, 'Analyst', {
      assumedBy: new iam.AccountRootPrincipal(),
    });

    product.grantRead(role);

    Template.fromStack(fixture.stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Analyst') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'apigateway:GET' })] },
    });
  });
});

describe('Product props', () => {
  test.each([
    [{ apis: [] }, 'NoApis', 'apis must list at least one API, got none'],
    [
      { productId: 'gold plan' },
      'InvalidProductId',
      "productId must be 1 to 64 letters, digits, '.', '_' or '-', got 'gold plan'",
    ],
    [
      { throttle: { ratePerSecond: 0, burst: 10 } },
      'InvalidThrottle',
      'throttle needs ratePerSecond above 0 and burst a whole number of at least 1, got ratePerSecond 0 and burst 10',
    ],
    [
      { throttle: { ratePerSecond: 5, burst: 0.5 } },
      'InvalidThrottle',
      'got ratePerSecond 5 and burst 0.5',
    ],
    [
      { quota: { limit: 0, period: apigw.Period.DAY } },
      'InvalidLimit',
      'quota.limit must be a whole number of at least 1, got 0',
    ],
    [
      { maxSubscriptionsPerOwner: 1.5 },
      'InvalidLimit',
      'maxSubscriptionsPerOwner must be a whole number of at least 1, got 1.5',
    ],
    [
      { termsOfUse: { version: 'v 1' } },
      'InvalidTermsVersion',
      "termsOfUse.version must be 1 to 64 letters, digits, '.', '_' or '-', got 'v 1'",
    ],
  ])('rejects %j', (props, code, message) => {
    const fixture = saasFixture();

    const error = thrownBy(() => addProduct(fixture, 'Trial', props));

    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  test('rejects an operation throttle outside the product', () => {
    const fixture = saasFixture();
    const invoices = fixture.billing.operationRecords[0].resource;

    const error = thrownBy(() =>
      addProduct(fixture, 'Trial', {
        operationThrottles: [{ operation: invoices, throttle: { ratePerSecond: 1, burst: 1 } }],
      }),
    );

    expect(error.code).toBe('OperationNotInProduct');
    expect(error.message).toContain('got GET /invoices of Test/Gateway/billing');
  });

  test('rejects a second product with the same id', () => {
    const fixture = saasFixture();
    addProduct(fixture, 'Trial');

    const error = thrownBy(
      () =>
        new Product(fixture.stack, 'Other', {
          registry: fixture.registry,
          apis: [fixture.orders],
          productId: 'Trial',
        }),
    );

    expect(error.code).toBe('DuplicateProductId');
    expect(error.message).toContain("productId 'Trial' is already used");
  });

  test('warns past 300 usage plans', () => {
    const fixture = saasFixture();

    for (let index = 0; index <= 300; index++) {
      addProduct(fixture, `Product${index}`);
    }

    Annotations.fromStack(fixture.stack).hasWarning(
      '/Test/Subscriptions',
      Match.stringLikeRegexp(
        'declares 301 products, each a usage plan, and API Gateway allows 300',
      ),
    );
  });
});
