import { Annotations, Duration, Lazy, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { SubscriptionRegistryConfig } from '../../lambda/policy/config';
import { CATALOG_ENV, CatalogProduct, ProductCatalog } from '../../lambda/subscriptions/catalog';
import { OWNER_INDEX } from '../../lambda/subscriptions/codec';
import { SUBSCRIPTION_TABLE_ENV } from '../../lambda/subscriptions/model';
import type { Api } from '../api/api';
import { AccessPolicy } from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';
import { nagResourceName } from '../core/nag';
import { DeclaredSubscription, DeclaredSubscriptionOptions } from './declared-subscription';
import { API_GATEWAY_LIMITS, LAMBDA_ENVIRONMENT_BYTES } from './limits';
import { DEFAULT_MANAGEMENT_BUNDLE, createManagementFunction } from './management-function';
import { SubscriptionKeyOptions, SubscriptionKeyPolicy } from './subscription-key-policy';

const DEFAULT_LOOKUP_CACHE_TTL = Duration.seconds(30);
const MAX_LOOKUP_CACHE_TTL = Duration.hours(1);

/** Product as the registry reads it; `Product` implements it. */
export interface IRegistryProduct {
  readonly productId: string;
  readonly apis: readonly Api[];
  /** Usage plan id, a deploy-time token. */
  readonly usagePlanId: string;
  /** Returns the product's entry in the management function's catalog. */
  _catalogEntry(): CatalogProduct;
}

export interface SubscriptionRegistryProps {
  /**
   * How long each authorizer instance reuses a registry lookup. A suspended or cancelled
   * subscription keeps working for up to this long plus the gateway's `authorizerCacheTtl`.
   *
   * @default Duration.seconds(30)
   */
  readonly lookupCacheTtl?: Duration;
  /**
   * Subscriptions you expect to create at run time, two API keys each. Used only to warn at
   * synth time when they and the declared subscriptions need more API keys than API
   * Gateway allows per account and region.
   *
   * @default 0: only declared subscriptions are counted
   */
  readonly expectedSubscriptions?: number;
  /**
   * Removal policy of the table when the registry leaves the stack.
   *
   * @default RemovalPolicy.RETAIN, so subscriptions survive a mistaken removal
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the management function's log.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Path of the management bundle.
   *
   * @default - `dist/bundles/management/index.js` of this package, built by `npm run build:lambda`
   */
  readonly managementBundlePath?: string;
}

/**
 * The subscriptions of a set of products: a DynamoDB table that stores owner, scope, state
 * and key hashes (never key values), and the management function that changes it and keeps
 * API Gateway's API keys in step.
 *
 * @example
 * const registry = new SubscriptionRegistry(this, 'Subscriptions');
 * const trial = new Product(this, 'Trial', { registry, apis: [orders], quota: { limit: 1000, period: apigw.Period.DAY } });
 * orders.addOperation('GET', '/orders', { backend, policy: registry.keyPolicy() });
 */
export class SubscriptionRegistry extends Construct {
  /** The registry table. */
  public readonly table: dynamodb.Table;
  /** The management function; invoke it with `{ action, ... }` requests. */
  public readonly managementFunction: lambda.Function;
  /** Id of this registry in the authorizer config. */
  public readonly registryId: string;

  private readonly lookupCacheTtl: Duration;
  private readonly products: IRegistryProduct[] = [];
  private readonly declared: DeclaredSubscription[] = [];
  private readonly keyedApis = new Set<Api>();
  private readonly expectedSubscriptions: number;
  private keyLimitWarned = false;

  constructor(scope: Construct, id: string, props: SubscriptionRegistryProps = {}) {
    super(scope, id);

    this.lookupCacheTtl = props.lookupCacheTtl ?? DEFAULT_LOOKUP_CACHE_TTL;
    this.expectedSubscriptions = props.expectedSubscriptions ?? 0;
    this.checkLookupCacheTtl();
    this.registryId = this.node.path;

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: OWNER_INDEX,
      partitionKey: { name: 'owner', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    });

    this.managementFunction = createManagementFunction(this, 'ManagementFunction', {
      bundlePath: props.managementBundlePath ?? DEFAULT_MANAGEMENT_BUNDLE,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      environment: {
        [SUBSCRIPTION_TABLE_ENV]: this.table.tableName,
        [CATALOG_ENV]: Lazy.string({ produce: () => Stack.of(this).toJsonString(this.catalog()) }),
      },
    });
    this.table.grantReadWriteData(this.managementFunction);
    this.grantApiKeyChanges(this.managementFunction);
    this.acknowledgeNagFindings();
    this.warnOnKeyCount();
  }

  /**
   * Returns a policy that requires a subscription key of this registry. The key is read from
   * a header, or from a query parameter only when one is named and the header is absent.
   *
   * @example
   * api.addOperation('GET', '/orders', { backend, policy: registry.keyPolicy({ header: 'X-Subscription-Key' }) });
   */
  public keyPolicy(options: SubscriptionKeyOptions = {}): AccessPolicy {
    return new SubscriptionKeyPolicy(this, options);
  }

  /**
   * Declares a subscription in code. Its keys are created at deploy time by the management
   * function and written to a Secrets Manager secret, so the template never contains them.
   */
  public addSubscription(id: string, props: DeclaredSubscriptionOptions): DeclaredSubscription {
    const subscription = new DeclaredSubscription(this, id, { ...props, registry: this });
    this.declared.push(subscription);
    this.warnOnKeyCount();
    return subscription;
  }

  /** Lets the grantee read the registry table: subscriptions, states and key hashes. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantReadData(grantee);
  }

  /** Lets the grantee run the subscription lifecycle through the management function. */
  public grantManage(grantee: iam.IGrantable): iam.Grant {
    this.grantRead(grantee);
    return this.managementFunction.grantInvoke(grantee);
  }

  /** Products registered so far. */
  public get productList(): readonly IRegistryProduct[] {
    return this.products;
  }

  /**
   * Adds a product; `Product` calls this from its constructor.
   * @internal
   */
  public _registerProduct(product: IRegistryProduct): void {
    if (this.products.some((existing) => existing.productId === product.productId)) {
      throw new GatehouseValidationError(
        'DuplicateProductId',
        `productId '${product.productId}' is already used by another product of this registry`,
        this,
      );
    }
    this.products.push(product);
    this.managementFunction.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['apigateway:POST'],
        resources: [this.apiGatewayArn(`/usageplans/${product.usagePlanId}/keys`)],
      }),
    );
    if (this.products.length === API_GATEWAY_LIMITS.usagePlans + 1) {
      Annotations.of(this).addWarningV2(
        'gatehouse:usagePlanLimit',
        `this registry declares ${this.products.length} products, each a usage plan, and API Gateway allows ${API_GATEWAY_LIMITS.usagePlans} per account and region; request a quota increase or merge products`,
      );
    }
  }

  /**
   * Returns this registry's section of the authorizer config.
   * @internal
   */
  public _authorizerConfig(): SubscriptionRegistryConfig {
    const products = Object.fromEntries(
      this.products.map((product) => [product.productId, product.apis.map((api) => api.configKey)]),
    );
    return {
      tableNameVariable: this.tableNameVariable(),
      lookupCacheSeconds: this.lookupCacheTtl.toSeconds(),
      products,
    };
  }

  /**
   * Lets an authorizer function read the table, and sets the table name in its environment.
   * @internal
   */
  public _bindAuthorizer(authorizer: lambda.IFunction): void {
    (authorizer as lambda.Function).addEnvironment(this.tableNameVariable(), this.table.tableName);
    authorizer.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [this.table.tableArn] }),
    );
  }

  /**
   * Remembers that an API reads keys of this registry; see `SubscriptionKeyPolicy`.
   * @internal
   */
  public _markKeyedApi(api: Api): boolean {
    const first = !this.keyedApis.has(api);
    this.keyedApis.add(api);
    return first;
  }

  private apiGatewayArn(path: string): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:apigateway:${stack.region}::${path}`;
  }

  private tableNameVariable(): string {
    return `GATEHOUSE_SUBSCRIPTION_TABLE_${this.node.addr.slice(0, 12).toUpperCase()}`;
  }

  private catalog(): ProductCatalog {
    const products = Object.fromEntries(
      this.products.map((product) => [product.productId, product._catalogEntry()]),
    );
    const apis = [
      ...new Set(this.products.flatMap((product) => product.apis.map((api) => api.configKey))),
    ];
    const catalog = { products, apis };
    this.warnOnCatalogSize(catalog);
    return catalog;
  }

  // The usage plan ids are tokens here, each about as long as the 10-character id it becomes.
  private warnOnCatalogSize(catalog: ProductCatalog): void {
    const bytes = JSON.stringify(catalog).length;
    if (bytes > LAMBDA_ENVIRONMENT_BYTES - 512) {
      Annotations.of(this).addWarningV2(
        'gatehouse:catalogSize',
        `the product catalog takes about ${bytes} bytes of the management function's ${LAMBDA_ENVIRONMENT_BYTES}-byte environment; deployment fails past the limit, so split products across registries`,
      );
    }
  }

  private warnOnKeyCount(): void {
    const keys = (this.declared.length + this.expectedSubscriptions) * 2;
    if (keys > API_GATEWAY_LIMITS.apiKeys && !this.keyLimitWarned) {
      this.keyLimitWarned = true;
      Annotations.of(this).addWarningV2(
        'gatehouse:apiKeyLimit',
        `${this.declared.length} declared and ${this.expectedSubscriptions} expected subscriptions need ${keys} API keys, two each, and API Gateway allows ${API_GATEWAY_LIMITS.apiKeys} per account and region; request a quota increase or spread products across accounts`,
      );
    }
  }

  private grantApiKeyChanges(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['apigateway:GET', 'apigateway:POST', 'apigateway:PATCH', 'apigateway:DELETE'],
        resources: [this.apiGatewayArn('/apikeys'), this.apiGatewayArn('/apikeys/*')],
      }),
    );
  }

  private acknowledgeNagFindings(): void {
    const role = this.managementFunction.role as iam.Role;
    // Resolved rather than written by hand: in a stack with a region, cdk-nag names the
    // region literally instead of <AWS::Region>.
    const apiKeys = nagResourceName(Stack.of(this).resolve(this.apiGatewayArn('/apikeys/*')));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${apiKeys}]`,
      reason:
        'API Gateway assigns API key ids at run time when a subscription is created, so the function may change any API key; usage plan access is listed per product',
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.table.node.defaultChild as dynamodb.CfnTable)}.Arn>/index/*]`,
      reason:
        "The registry table's only index is the owner index, which the per-owner subscription limit queries",
    });
    Validations.of(this.managementFunction).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The management bundle is built and tested for the Node.js 22 runtime; moving to a newer runtime is a deliberate upgrade',
    });
  }

  private checkLookupCacheTtl(): void {
    const seconds = this.lookupCacheTtl.toSeconds();
    if (!Token.isUnresolved(seconds) && seconds > MAX_LOOKUP_CACHE_TTL.toSeconds()) {
      throw new GatehouseValidationError(
        'LookupCacheTtlTooLarge',
        `lookupCacheTtl must be at most 1 hour, got ${seconds} seconds`,
        this,
      );
    }
  }
}
