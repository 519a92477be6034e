import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Api } from '../api/api';
import type { Product } from '../product/product';
import type { SubscriptionRegistry } from './subscription-registry';
import { nagResourceName } from '../core/nag';

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
  return uniqueApis(products).flatMap((api) => {
    const arn = restApiArn(scope, api);
    return [arn, `${arn}/*`];
  });
}

function restApiArn(scope: Construct, api: Api): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:apigateway:${stack.region}::/restapis/${api.restApi.restApiId}`;
}

/** Resource with a trailing wildcard that the roles are granted, and what it covers. */
interface ScopedWildcard {
  readonly resource: string;
  readonly covers: string;
}

/**
 * Acknowledges each cdk-nag wildcard finding by its exact resource, so a wildcard added
 * later elsewhere is still reported.
 *
 * cdk-nag names a finding by the resource as the role's stack resolves it. A resource of a
 * nested stack, such as the REST API of `ApiPlacement.NESTED_STACK_PER_API`, reaches that
 * stack through a nested stack output that CDK creates only when it resolves references
 * during synthesis. So the acknowledgements are written by a construct validation, which CDK
 * runs after that step and before it calls validation plugins such as cdk-nag.
 * NOTE: `app.synth({ skipValidation: true })` skips construct validations, so these findings
 * stay open when a plugin checks such a synth.
 */
function acknowledgeScopedWildcards(scope: Construct, props: SubscriptionPersonaRolesProps): void {
  const wildcards = scopedWildcards(scope, props);
  let acknowledged = false;
  scope.node.addValidation({
    validate: () => {
      // Each synth validates the tree again, and one set of acknowledgements is enough.
      if (!acknowledged) {
        acknowledged = true;
        const stack = Stack.of(scope);
        for (const { resource, covers } of wildcards) {
          Validations.of(scope).acknowledge({
            id: `AwsSolutions-IAM5[Resource::${nagResourceName(stack.resolve(resource))}]`,
            reason: `The wildcard stays inside one named resource: ${covers}`,
          });
        }
      }
      return [];
    },
  });
}

/** Returns the wildcard resources that the grants in the constructor add to the roles. */
function scopedWildcards(scope: Construct, props: SubscriptionPersonaRolesProps): ScopedWildcard[] {
  return [
    {
      resource: `${props.registry.table.tableArn}/index/*`,
      covers: "the registry table's owner index",
    },
    {
      resource: `${props.registry.managementFunction.functionArn}:*`,
      covers: "the management function's versions and aliases",
    },
    ...props.products.map((product) => {
      const stack = Stack.of(product);
      return {
        resource: `arn:${stack.partition}:apigateway:${stack.region}::/usageplans/${product.usagePlanId}/*`,
        covers: `the keys and usage of product ${product.productId}'s usage plan`,
      };
    }),
    ...uniqueApis(props.products).map((api) => ({
      resource: `${restApiArn(scope, api)}/*`,
      covers: `the resources of REST API ${api.configKey}, for the administrator`,
    })),
  ];
}

function uniqueApis(products: Product[]) {
  return [...new Set(products.flatMap((product) => product.apis))];
}
