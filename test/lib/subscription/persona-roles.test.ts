import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Backend } from '../../../lib/api/backend';
import { ApiPlacement, Gateway } from '../../../lib/gateway/gateway';
import { Product } from '../../../lib/product/product';
import { SubscriptionPersonaRoles } from '../../../lib/subscription/persona-roles';
import { SubscriptionRegistry } from '../../../lib/subscription/subscription-registry';
import { NagViolation, nagViolations, newTestApp } from '../../support/nag';

const WEB_ACL_ARN = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/shop/abc';
const ENVIRONMENT = { account: '123456789012', region: 'eu-west-1' };

/**
 * Declares a gateway with two APIs, a registry, a product over both APIs and the persona
 * roles, with the APIs placed as given. Returns the roles so a test can add to them.
 */
function declareRoles(stack: Stack, apiPlacement: ApiPlacement): SubscriptionPersonaRoles {
  const registry = new SubscriptionRegistry(stack, 'Subscriptions');
  const gateway = new Gateway(stack, 'Gateway', {
    defaultPolicy: registry.keyPolicy(),
    apiPlacement,
    webAclArn: WEB_ACL_ARN,
  });
  const orders = gateway.addApi('orders');
  orders.addOperation('GET', '/orders', { backend: Backend.mock() });
  const catalog = gateway.addApi('catalog');
  catalog.addOperation('GET', '/items', { backend: Backend.mock() });
  const product = new Product(stack, 'Starter', { registry, apis: [orders, catalog] });
  return new SubscriptionPersonaRoles(stack, 'Roles', {
    registry,
    products: [product],
    assumedBy: new iam.AccountRootPrincipal(),
  });
}

/**
 * Synthesizes the declarations under the cdk-nag AwsSolutions pack and returns the findings
 * that no acknowledgement matched. The stack is environment-agnostic unless `env` is given.
 */
function violationsOf(declare: (stack: Stack) => void, env?: typeof ENVIRONMENT): NagViolation[] {
  const app = newTestApp();
  const stack = new Stack(app, 'Shop', { env });
  declare(stack);
  return nagViolations(app);
}

describe('SubscriptionPersonaRoles cdk-nag acknowledgements', () => {
  test.each([
    ['gateway stack', ApiPlacement.GATEWAY_STACK],
    ['nested stack per API', ApiPlacement.NESTED_STACK_PER_API],
  ])('%s placement leaves no AwsSolutions finding', (_name, placement) => {
    const violations = violationsOf((stack) => declareRoles(stack, placement));

    expect(violations).toEqual([]);
  });

  test.each([
    ['gateway stack', ApiPlacement.GATEWAY_STACK],
    ['nested stack per API', ApiPlacement.NESTED_STACK_PER_API],
  ])('%s placement still reports a wildcard over all APIs', (_name, placement) => {
    const violations = violationsOf((stack) => {
      const roles = declareRoles(stack, placement);
      roles.administrator.addToPolicy(
        new iam.PolicyStatement({
          actions: ['apigateway:GET'],
          resources: [`arn:${stack.partition}:apigateway:${stack.region}::/restapis/*`],
        }),
      );
    });

    expect(violations.map((violation) => violation.ruleName)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/restapis/*]',
    ]);
    expect(violations[0].violatingConstructs.map((resource) => resource.constructPath)).toEqual([
      'Shop/Roles/Administrator/DefaultPolicy/Resource',
    ]);
  });

  test.each([
    ['gateway stack', ApiPlacement.GATEWAY_STACK],
    ['nested stack per API', ApiPlacement.NESTED_STACK_PER_API],
  ])('%s placement with an environment leaves no finding', (_name, placement) => {
    const violations = violationsOf((stack) => declareRoles(stack, placement), ENVIRONMENT);

    expect(violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});
