import { CustomResource, Names, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { formatScope } from '../../lambda/subscriptions/model';
import { GatehouseValidationError } from '../core/errors';
import type { IRegistryProduct, SubscriptionRegistry } from './subscription-registry';

/** Settings of a subscription declared in code. */
export interface DeclaredSubscriptionOptions {
  /** Owner of the subscription, such as a partner application's id. */
  readonly owner: string;
  /** Product whose usage plan meters the keys. */
  readonly product: IRegistryProduct;
  /**
   * Id of one API of the product that the keys are limited to.
   *
   * @default - the keys reach every API of the product
   */
  readonly api?: string;
  /**
   * Version of the product's terms of use accepted on the owner's behalf.
   *
   * @default - none accepted; the deployment fails if the product has terms of use
   */
  readonly acceptTerms?: string;
  /**
   * Approves the subscription at deploy time when its product requires approval.
   *
   * @default false: the subscription waits in `submitted` for an operator, like any other
   */
  readonly approve?: boolean;
}

export interface DeclaredSubscriptionProps extends DeclaredSubscriptionOptions {
  readonly registry: SubscriptionRegistry;
}

/**
 * A subscription created by the deployment. The management function creates it on stack
 * create, cancels it on removal, and writes its two keys as `{ "primary", "secondary" }` JSON
 * to `secret`. Its registry id derives from the construct path, so declaring or removing
 * another subscription leaves it, and its keys, alone.
 */
export class DeclaredSubscription extends Construct {
  /** Secret that receives the key values at deploy time. */
  public readonly secret: secretsmanager.Secret;
  /** Id of the subscription in the registry. */
  public readonly subscriptionId: string;

  constructor(scope: Construct, id: string, props: DeclaredSubscriptionProps) {
    super(scope, id);

    this.checkProps(props);
    this.subscriptionId = Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });

    this.secret = new secretsmanager.Secret(this, 'Keys', {
      description: `Gatehouse subscription keys of ${props.owner} for product ${props.product.productId}`,
    });
    this.secret.grantWrite(props.registry.managementFunction);
    new CustomResource(this, 'Resource', {
      serviceToken: props.registry.managementFunction.functionArn,
      resourceType: 'Custom::GatehouseSubscription',
      properties: {
        SubscriptionId: this.subscriptionId,
        Owner: props.owner,
        ProductId: props.product.productId,
        Scope: formatScope(props.api ? { kind: 'api', api: props.api } : { kind: 'product' }),
        SecretArn: this.secret.secretArn,
        AcceptTerms: props.acceptTerms,
        Approve: props.approve ? 'true' : undefined,
      },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds subscription keys, which are rotated with the management function (regenerate), one key at a time so the other keeps working',
    });
  }

  /** Lets the grantee read the key values, as the subscribing application must. */
  public grantReadKeys(grantee: iam.IGrantable): iam.Grant {
    return this.secret.grantRead(grantee);
  }

  private checkProps(props: DeclaredSubscriptionProps): void {
    if (props.owner.trim() === '' || props.owner.length > 256) {
      throw new GatehouseValidationError(
        'InvalidOwner',
        `owner must be 1 to 256 characters, got '${props.owner}'`,
        this,
      );
    }
    if (!props.registry.productList.includes(props.product)) {
      throw new GatehouseValidationError(
        'ProductNotInRegistry',
        `product ${props.product.productId} belongs to another registry than ${props.registry.node.path}`,
        this,
      );
    }
    const apiIds = props.product.apis.map((api) => api.configKey);
    if (props.api !== undefined && !apiIds.includes(props.api)) {
      throw new GatehouseValidationError(
        'ApiNotInProduct',
        `api must be one of product ${props.product.productId}'s APIs (${apiIds.join(', ')}), got '${props.api}'`,
        this,
      );
    }
  }
}
