import { NestedStack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';
import { API_STAGE_VARIABLE, HttpMethod } from '../../lambda/policy/config';
import { AccessPolicy } from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';
import { Backend } from './backend';
import type { Gateway } from '../gateway/gateway';

/** Placement of an API's resources, which `Gateway.addApi()` sets from `apiPlacement`. */
export interface ApiPlacementOptions {
  /** Whether to create the API's resources in a nested stack of their own. */
  readonly nestedStack: boolean;
}

const METHODS: readonly HttpMethod[] = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
  'ANY',
];

/** A path segment: a literal, a `{param}`, or a greedy `{param+}` as the last segment. */
const SEGMENT = /^([A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\}|\{[A-Za-z0-9_]+\+\})$/;

/** Settings `Gateway.addApi()` accepts. */
export interface ApiProps {
  /**
   * Who may call the API's operations, unless an operation sets its own policy.
   *
   * @default - the gateway's `defaultPolicy`; an operation covered by no policy fails the synth
   */
  readonly policy?: AccessPolicy;
  /**
   * Name of the REST API's stage.
   *
   * @default 'live'
   */
  readonly stageName?: string;
  /**
   * Base path of this API under the gateway's custom domain.
   *
   * @default - the API's construct id in lower case
   */
  readonly basePath?: string;
  /**
   * Description of the REST API.
   *
   * @default - no description
   */
  readonly description?: string;
}

/** Settings of one operation. */
export interface OperationOptions {
  /** Where the requests the authorizer lets through go. */
  readonly backend: Backend;
  /**
   * Who may call this operation; `AccessPolicy.anonymous()` opens it to everyone.
   *
   * @default - the API's policy, else the gateway's `defaultPolicy`
   */
  readonly policy?: AccessPolicy;
}

/** One operation as the gateway compiles it into the authorizer config. */
export interface OperationRecord {
  readonly method: HttpMethod;
  readonly path: string;
  readonly policy: AccessPolicy;
  /** Id of the API Gateway authorizer group, or `'none'` for anonymous operations. */
  readonly authorizer: string;
  readonly resource: apigw.Method;
}

/**
 * Operations under one base path of a gateway, synthesized as a regional REST API with one
 * stage. Create it with `Gateway.addApi()`.
 */
export class Api extends Construct {
  /** The REST API. */
  public readonly restApi: apigw.RestApi;
  /** Key of this API in the authorizer config, also the `gatehouseApi` stage variable. */
  public readonly configKey: string;
  /** Base path under the gateway's custom domain. */
  public readonly basePath: string;
  /** Name of the REST API's stage. */
  public readonly stageName: string;
  /**
   * Nested stack that contains the REST API and its per-API resources, or `undefined` when
   * they are in the gateway's stack.
   */
  public readonly nestedStack?: NestedStack;

  private readonly gateway: Gateway;
  private readonly policy?: AccessPolicy;
  private readonly operations: OperationRecord[] = [];
  private readonly authorizers = new Map<string, apigw.CfnAuthorizer>();

  /** @internal */
  constructor(
    gateway: Gateway,
    id: string,
    props: ApiProps,
    restApiProps: apigw.RestApiProps,
    placement: ApiPlacementOptions = { nestedStack: false },
  ) {
    super(gateway, id);

    this.checkId(id);
    this.gateway = gateway;
    this.policy = props.policy;
    this.configKey = id;
    this.basePath = props.basePath ?? id.toLowerCase();
    this.checkBasePath(this.basePath);
    this.stageName = props.stageName ?? 'live';
    this.checkStageName(this.stageName);

    // The API construct itself stays in the gateway's stack, so its construct path is the same
    // for both placements. The API's name in the authorizer config and the report stays too.
    if (placement.nestedStack) {
      this.nestedStack = new NestedStack(this, 'Stack', {
        description: `Gatehouse API ${this.node.path}`,
      });
    }
    this.restApi = new apigw.RestApi(this._resourceScope, 'Resource', {
      ...restApiProps,
      description: props.description,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      deployOptions: {
        ...restApiProps.deployOptions,
        stageName: this.stageName,
        variables: { [API_STAGE_VARIABLE]: this.configKey },
      },
    });
    this.acknowledgeNagFindings();
  }

  /**
   * Scope of the REST API and of every other per-API resource. It is the nested stack, or
   * this API when the API is in the gateway's stack.
   * @internal
   */
  public get _resourceScope(): Construct {
    return this.nestedStack ?? this;
  }

  /** The operations added so far. */
  public get operationRecords(): readonly OperationRecord[] {
    return this.operations;
  }

  /** The API Gateway authorizers, by the group id written into the authorizer config. */
  public get authorizerGroups(): ReadonlyMap<string, apigw.CfnAuthorizer> {
    return this.authorizers;
  }

  /**
   * Adds an operation: a method on a resource path with its backend and access policy.
   *
   * @example
   * api.addOperation('GET', '/orders/{orderId}', {
   *   backend: Backend.http('https://orders.internal/orders/{orderId}'),
   *   policy: AccessPolicy.jwt(validator, { requiredClaims: [{ claim: 'roles', values: ['Orders.Read'] }] }),
   * });
   */
  public addOperation(method: HttpMethod, path: string, options: OperationOptions): apigw.Method {
    this.checkOperation(method, path);
    const policy = this.policyFor(method, path, options);

    const authorizerId = policy.isAnonymous ? 'none' : this.authorizerGroupFor(policy);
    const binding = options.backend._bind(this, method, path, policy._forwardedHeaders());
    const resource = this.restApi.root.resourceForPath(path);
    const methodResource = resource.addMethod(method, binding.integration, {
      methodResponses: binding.methodResponses,
      requestParameters: binding.requestParameters,
      ...(policy.isAnonymous
        ? { authorizationType: apigw.AuthorizationType.NONE }
        : {
            authorizationType: apigw.AuthorizationType.CUSTOM,
            authorizer: { authorizerId: this.authorizers.get(authorizerId)!.ref },
          }),
    });

    this.operations.push({
      method,
      path,
      policy,
      authorizer: authorizerId,
      resource: methodResource,
    });
    if (policy.isAnonymous) {
      Validations.of(methodResource).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: `${method} ${path} is declared open to everyone with AccessPolicy.anonymous()`,
      });
    }
    return methodResource;
  }

  private policyFor(method: HttpMethod, path: string, options: OperationOptions): AccessPolicy {
    const policy = options.policy ?? this.policy ?? this.gateway.defaultPolicy;
    if (policy === undefined) {
      throw new GatehouseValidationError(
        'MissingAccessPolicy',
        `operation ${method} ${path} has no access policy; set policy on the operation, the API or the gateway's defaultPolicy (AccessPolicy.anonymous() opens it to everyone)`,
        this,
      );
    }
    return policy;
  }

  /** Returns the id of the API Gateway authorizer for the policy's inputs, creating it once. */
  private authorizerGroupFor(policy: AccessPolicy): string {
    const inputs = policy._inputs();
    const sources = inputs.cacheable ? [...inputs.identitySources] : [];
    const ttlSeconds = sources.length > 0 ? this.gateway.authorizerCacheTtlSeconds : 0;
    const groupId = sources.length > 0 ? `cached:${sources.join(',')}` : 'uncached';

    if (!this.authorizers.has(groupId)) {
      const index = this.authorizers.size;
      const authorizer = new apigw.CfnAuthorizer(this._resourceScope, `Authorizer${index}`, {
        restApiId: this.restApi.restApiId,
        name: `${this.node.id}-${index}`,
        type: 'REQUEST',
        authorizerUri: this.gateway._authorizerUri(),
        identitySource: sources.length > 0 ? sources.join(',') : undefined,
        authorizerResultTtlInSeconds: ttlSeconds,
      });
      this.authorizers.set(groupId, authorizer);
    }
    return groupId;
  }

  /** Acknowledges the cdk-nag AwsSolutions findings that Gatehouse addresses in its own way. */
  private acknowledgeNagFindings(): void {
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Methods are protected by the Gatehouse Lambda authorizer, which enforces the declared AccessPolicy, not by a Cognito user pool',
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Gatehouse operations declare no request models to validate against; the authorizer checks credentials and the backend validates request bodies',
    });
    const cloudWatchRole = this.restApi.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'API Gateway needs this account-level role to write execution logs, and AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS maintains for exactly that',
      });
    }
  }

  private checkOperation(method: HttpMethod, path: string): void {
    if (!METHODS.includes(method)) {
      throw new GatehouseValidationError(
        'InvalidMethod',
        `addOperation() method must be one of ${METHODS.join(', ')}, got '${method}'`,
        this,
      );
    }
    const segments = path.split('/').slice(1);
    const greedyNotLast = segments.slice(0, -1).some((segment) => segment.endsWith('+}'));
    const validPath =
      path === '/' || (path.startsWith('/') && segments.every((segment) => SEGMENT.test(segment)));
    if (!validPath || greedyNotLast) {
      throw new GatehouseValidationError(
        'InvalidPath',
        `addOperation() path must start with '/' and contain literal, {param} or a final {param+} segments, got '${path}'`,
        this,
      );
    }
    if (this.operations.some((op) => op.method === method && op.path === path)) {
      throw new GatehouseValidationError(
        'DuplicateOperation',
        `operation ${method} ${path} is already defined on this API`,
        this,
      );
    }
  }

  private checkId(id: string): void {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) {
      throw new GatehouseValidationError(
        'InvalidApiId',
        `addApi() id must contain only letters, digits, '.', '_' and '-', because it becomes a stage variable, got '${id}'`,
        this,
      );
    }
  }

  private checkBasePath(basePath: string): void {
    if (!Token.isUnresolved(basePath) && !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(basePath)) {
      throw new GatehouseValidationError(
        'InvalidBasePath',
        `basePath must be path segments of letters, digits, '.', '_' and '-' without leading or trailing '/', got '${basePath}'`,
        this,
      );
    }
  }

  private checkStageName(stageName: string): void {
    if (!Token.isUnresolved(stageName) && !/^[A-Za-z0-9_-]{1,128}$/.test(stageName)) {
      throw new GatehouseValidationError(
        'InvalidStageName',
        `stageName must be 1 to 128 letters, digits, '_' or '-', got '${stageName}'`,
        this,
      );
    }
  }
}
