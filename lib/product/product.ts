import { Stack, Token } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { CatalogProduct } from '../../lambda/subscriptions/catalog';
import { Api } from '../api/api';
import { GatehouseValidationError } from '../core/errors';
import { IRegistryProduct, SubscriptionRegistry } from '../subscription/subscription-registry';

/** Steady rate and burst of a throttle. API Gateway applies both on a best-effort basis. */
export interface ProductThrottle {
  /** Requests per second, on average. */
  readonly ratePerSecond: number;
  /** Requests allowed at once above the rate, as a token bucket of this size. */
  readonly burst: number;
}

/** A throttle for one operation, tighter or looser than the product's own. */
export interface OperationThrottle {
  /** The method `addOperation()` returned. */
  readonly operation: apigw.Method;
  readonly throttle: ProductThrottle;
}

/** Requests one subscription key may make per period. */
export interface ProductQuota {
  readonly limit: number;
  readonly period: apigw.Period;
}

/** Terms of use a subscriber must accept. */
export interface TermsOfUse {
  /** Version a subscriber accepts; a new version applies to new subscriptions only. */
  readonly version: string;
  /**
   * URL of the published terms.
   *
   * @default - no URL; tell subscribers where to read them
   */
  readonly url?: string;
}

export interface ProductProps {
  /** Registry that stores the product's subscriptions. */
  readonly registry: SubscriptionRegistry;
  /** APIs the product covers; its usage plan spans their stages. */
  readonly apis: Api[];
  /**
   * Id of the product in the registry and in subscription requests.
   *
   * @default - the construct id
   */
  readonly productId?: string;
  /**
   * Throttle per subscription key across the product's APIs.
   *
   * @default - no product throttle; the stage's and account's throttles still apply
   */
  readonly throttle?: ProductThrottle;
  /**
   * Throttles for single operations, per subscription key.
   *
   * @default - every operation shares the product throttle
   */
  readonly operationThrottles?: OperationThrottle[];
  /**
   * Quota per subscription key.
   *
   * @default - no quota
   */
  readonly quota?: ProductQuota;
  /**
   * Whether callers need a subscription at all. When false, the registry takes no
   * subscriptions for this product; open its operations with another policy.
   *
   * @default true
   */
  readonly subscriptionRequired?: boolean;
  /**
   * Whether new subscriptions wait in `submitted` until an operator approves or rejects them.
   *
   * @default false: new subscriptions are active at once
   */
  readonly approvalRequired?: boolean;
  /**
   * Most subscriptions one owner may hold in this product, not counting cancelled, rejected
   * and expired ones.
   *
   * @default - no limit per owner
   */
  readonly maxSubscriptionsPerOwner?: number;
  /**
   * Terms of use a subscriber must accept, by version, to subscribe.
   *
   * @default - no terms to accept
   */
  readonly termsOfUse?: TermsOfUse;
  /**
   * Whether the product takes new subscriptions. Existing ones keep working either way.
   *
   * @default true
   */
  readonly published?: boolean;
  /**
   * Description of the usage plan.
   *
   * @default - no description
   */
  readonly description?: string;
}

/**
 * APIs sold together under one set of limits: a usage plan over the APIs' stages, with
 * throttle and quota per subscription key, and the rules for subscribing to it.
 *
 * @example
 * new Product(this, 'Trial', {
 *   registry,
 *   apis: [orders, catalog],
 *   throttle: { ratePerSecond: 5, burst: 10 },
 *   quota: { limit: 1000, period: apigw.Period.DAY },
 * });
 */
export class Product extends Construct implements IRegistryProduct {
  public readonly productId: string;
  public readonly apis: readonly Api[];
  /** The usage plan. */
  public readonly usagePlan: apigw.UsagePlan;
  public readonly usagePlanId: string;

  private readonly props: ProductProps;

  constructor(scope: Construct, id: string, props: ProductProps) {
    super(scope, id);

    this.props = props;
    this.productId = props.productId ?? id;
    this.apis = [...props.apis];
    this.checkProps();

    this.usagePlan = new apigw.UsagePlan(this, 'Resource', {
      name: `${Stack.of(this).stackName}-${this.productId}`,
      description: props.description,
      throttle: props.throttle && throttleSettings(props.throttle),
      quota: props.quota,
      apiStages: this.apis.map((api) => ({
        api: api.restApi,
        stage: api.restApi.deploymentStage,
        throttle: this.operationThrottlesOf(api),
      })),
    });
    this.usagePlanId = this.usagePlan.usagePlanId;

    props.registry._registerProduct(this);
  }

  /** Lets the grantee read the usage plan and its usage. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, ['apigateway:GET']);
  }

  /** Lets the grantee change the usage plan: limits, stages and keys. */
  public grantAdminister(grantee: iam.IGrantable): iam.Grant {
    return this.grant(grantee, [
      'apigateway:GET',
      'apigateway:PATCH',
      'apigateway:POST',
      'apigateway:DELETE',
    ]);
  }

  /** @internal */
  public _catalogEntry(): CatalogProduct {
    return {
      usagePlanId: this.usagePlanId,
      apis: this.apis.map((api) => api.configKey),
      subscriptionRequired: this.props.subscriptionRequired ?? true,
      approvalRequired: this.props.approvalRequired ?? false,
      published: this.props.published ?? true,
      maxSubscriptionsPerOwner: this.props.maxSubscriptionsPerOwner,
      termsOfUseVersion: this.props.termsOfUse?.version,
    };
  }

  private grant(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    const stack = Stack.of(this);
    const plan = `arn:${stack.partition}:apigateway:${stack.region}::/usageplans/${this.usagePlanId}`;
    return iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [plan, `${plan}/*`] });
  }

  private operationThrottlesOf(api: Api): apigw.ThrottlingPerMethod[] | undefined {
    const own = (this.props.operationThrottles ?? []).filter((entry) =>
      api.operationRecords.some((operation) => operation.resource === entry.operation),
    );
    return own.length === 0
      ? undefined
      : own.map((entry) => ({
          method: entry.operation,
          throttle: throttleSettings(entry.throttle),
        }));
  }

  private checkProps(): void {
    const props = this.props;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(this.productId)) {
      throw new GatehouseValidationError(
        'InvalidProductId',
        `productId must be 1 to 64 letters, digits, '.', '_' or '-', got '${this.productId}'`,
        this,
      );
    }
    if (props.apis.length === 0) {
      throw new GatehouseValidationError(
        'NoApis',
        'apis must list at least one API, got none',
        this,
      );
    }
    if (props.throttle) {
      checkThrottle('throttle', props.throttle, this);
    }
    for (const entry of props.operationThrottles ?? []) {
      checkThrottle('operationThrottles[].throttle', entry.throttle, this);
      this.checkOperationCovered(entry.operation);
    }
    checkPositiveInteger('quota.limit', props.quota?.limit, this);
    checkPositiveInteger('maxSubscriptionsPerOwner', props.maxSubscriptionsPerOwner, this);
    if (props.termsOfUse && !/^[A-Za-z0-9._-]{1,64}$/.test(props.termsOfUse.version)) {
      throw new GatehouseValidationError(
        'InvalidTermsVersion',
        `termsOfUse.version must be 1 to 64 letters, digits, '.', '_' or '-', got '${props.termsOfUse.version}'`,
        this,
      );
    }
  }

  private checkOperationCovered(method: apigw.Method): void {
    const covered = this.apis.some((api) =>
      api.operationRecords.some((operation) => operation.resource === method),
    );
    if (!covered) {
      throw new GatehouseValidationError(
        'OperationNotInProduct',
        `operationThrottles[].operation must be an operation of the product's APIs, got ${method.httpMethod} ${method.resource.path} of ${method.api.node.path}`,
        this,
      );
    }
  }
}

function throttleSettings(throttle: ProductThrottle): apigw.ThrottleSettings {
  return { rateLimit: throttle.ratePerSecond, burstLimit: throttle.burst };
}

function checkThrottle(prop: string, throttle: ProductThrottle, scope: Construct): void {
  const rateOk = Token.isUnresolved(throttle.ratePerSecond) || throttle.ratePerSecond > 0;
  const burstOk =
    Token.isUnresolved(throttle.burst) || (Number.isInteger(throttle.burst) && throttle.burst >= 1);
  if (!rateOk || !burstOk) {
    throw new GatehouseValidationError(
      'InvalidThrottle',
      `${prop} needs ratePerSecond above 0 and burst a whole number of at least 1, got ratePerSecond ${throttle.ratePerSecond} and burst ${throttle.burst}`,
      scope,
    );
  }
}

function checkPositiveInteger(prop: string, value: number | undefined, scope: Construct): void {
  const valid =
    value === undefined || Token.isUnresolved(value) || (Number.isInteger(value) && value >= 1);
  if (!valid) {
    throw new GatehouseValidationError(
      'InvalidLimit',
      `${prop} must be a whole number of at least 1, got ${value}`,
      scope,
    );
  }
}
