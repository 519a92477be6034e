import { CfnElement, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Product } from '../product/product';
import type { SubscriptionRegistry } from './subscription-registry';

export interface SubscriptionPersonaRolesProps {
  readonly registry: SubscriptionRegistry;
  /** Products whose usage plans the roles may read, and the administrator may change. */
  readonly products: Product[];
  /** Principal that may assume the roles, such as an SSO permission set's principal or an account. */
  readonly assumedBy: iam.IPrincipal;
}

/**
 * Three IAM roles for the management plane. The reader may read subscriptions and usage
 * plans. The operator may also run the subscription lifecycle, but not change APIs or
 * products. The administrator may also change the products' usage plans and the REST APIs.
 */
export class SubscriptionPersonaRoles extends Construct {
  public readonly reader: iam.Role;
  public readonly operator: iam.Role;
  public readonly administrator: iam.Role;

  constructor(scope: Construct, id: string, props: SubscriptionPersonaRolesProps) {
    super(scope, id);

    this.reader = this.role('Reader', props, 'reads subscriptions and usage plans');
    this.operator = this.role('Operator', props, 'runs the subscription lifecycle');
    this.administrator = this.role(
      'Administrator',
      props,
      'manages subscriptions, products and APIs',
    );

    for (const role of [this.reader, this.operator, this.administrator]) {
      props.registry.grantRead(role);
      props.products.forEach((product) => product.grantRead(role));
    }
    for (const role of [this.operator, this.administrator]) {
      props.registry.grantManage(role);
    }
    props.products.forEach((product) => product.grantAdminister(this.administrator));
    this.administrator.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          'apigateway:GET',
          'apigateway:PATCH',
          'apigateway:POST',
          'apigateway:PUT',
          'apigateway:DELETE',
        ],
        resources: restApiArns(this, props.products),
      }),
    );
    acknowledgeScopedWildcards(this, props);
  }

  private role(id: string, props: SubscriptionPersonaRolesProps, duty: string): iam.Role {
    return new iam.Role(this, id, {
      assumedBy: props.assumedBy,
      description: `Gatehouse ${id.toLowerCase()}: ${duty} of ${props.registry.node.path}`,
    });
  }
}

function restApiArns(scope: Construct, products: Product[]): string[] {
  const stack = Stack.of(scope);
  return uniqueApis(products).flatMap((api) => {
    const arn = `arn:${stack.partition}:apigateway:${stack.region}::/restapis/${api.restApi.restApiId}`;
    return [arn, `${arn}/*`];
  });
}

/**
 * Acknowledges each cdk-nag wildcard finding by its exact resource, so a wildcard added
 * later elsewhere is still reported.
 */
function acknowledgeScopedWildcards(scope: Construct, props: SubscriptionPersonaRolesProps): void {
  const stack = Stack.of(scope);
  const id = (construct: Construct) =>
    stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const apiGateway = 'arn:<AWS::Partition>:apigateway:<AWS::Region>::';
  const findings: [string, string][] = [
    [`<${id(props.registry.table)}.Arn>/index/*`, "the registry table's owner index"],
    [
      `<${id(props.registry.managementFunction)}.Arn>:*`,
      "the management function's versions and aliases",
    ],
    ...props.products.map((product): [string, string] => [
      `${apiGateway}/usageplans/<${id(product.usagePlan)}>/*`,
      `the keys and usage of product ${product.productId}'s usage plan`,
    ]),
    ...uniqueApis(props.products).map((api): [string, string] => [
      `${apiGateway}/restapis/<${id(api.restApi)}>/*`,
      `the resources of REST API ${api.configKey}, for the administrator`,
    ]),
  ];
  for (const [resource, what] of findings) {
    Validations.of(scope).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason: `The wildcard stays inside one named resource: ${what}`,
    });
  }
}

function uniqueApis(products: Product[]) {
  return [...new Set(products.flatMap((product) => product.apis))];
}
