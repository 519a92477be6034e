import { createHash } from 'node:crypto';
import {
  Aspects,
  Duration,
  IAspect,
  Lazy,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct, IConstruct } from 'constructs';
import { AuthorizerConfig } from '../../lambda/policy/config';
import { Api, ApiProps } from '../api/api';
import { AccessPolicy } from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';
import { accessLogFormat } from './access-log';
import { DEFAULT_AUTHORIZER_BUNDLE, createAuthorizerFunction } from './authorizer-function';
import { compileGateway } from './compile-config';
import { addGatewayResponses } from './gateway-responses';
import { mapNestedApi } from './nested-api';
import { checkStackResourceLimit } from './stack-limit';
import { MutualTlsOptions, applyMutualTls } from '../trust-store/mutual-tls';

const DEFAULT_CACHE_TTL = Duration.seconds(60);
const MAX_CACHE_TTL = Duration.hours(1);
const CLOUDWATCH_LOGS_POLICY = 'service-role/AmazonAPIGatewayPushToCloudWatchLogs';

/** Placement of the resources of each API of a gateway: its own stack or a nested stack. */
export enum ApiPlacement {
  /**
   * Every API's resources in the gateway's own stack. An API of 10 operations adds 27
   * resources, so one stack contains at most 18 such APIs under CloudFormation's quota of 500
   * resources. Past the quota, the synth fails with `TooManyResourcesInGatewayStack`.
   */
  GATEWAY_STACK = 'GATEWAY_STACK',
  /**
   * Each API's resources (REST API, deployment, stage, methods, gateway responses, API Gateway
   * authorizers, Lambda permission, execution log group, base path mapping, web ACL
   * association) in a nested stack of its own. The gateway's stack keeps the shared
   * resources and one `AWS::CloudFormation::Stack` per API.
   */
  NESTED_STACK_PER_API = 'NESTED_STACK_PER_API',
}

/** A custom domain name for the gateway. */
export interface GatewayDomainOptions {
  /** Host name, such as `api.example.com`. */
  readonly domainName: string;
  /** ACM certificate for the host name, in the stack's region. */
  readonly certificate: ICertificate;
  /**
   * Mutual TLS with a trust store. It also disables every API's default `execute-api`
   * endpoint, so that no caller can reach an API without a client certificate.
   *
   * @default - no mutual TLS; callers need no client certificate
   */
  readonly mutualTls?: MutualTlsOptions;
}

export interface GatewayProps {
  /**
   * Access policy of operations whose API and operation set none.
   *
   * @default - none; every operation then needs a policy of its own or its API's
   */
  readonly defaultPolicy?: AccessPolicy;
  /**
   * How long API Gateway caches an authorizer decision under the caller's credentials, at
   * most 1 hour. A cached allow outlives the token's `exp` by up to this long.
   *
   * @default Duration.seconds(60)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Custom domain with TLS 1.2 and a base path mapping per API.
   *
   * @default - no custom domain; each API is reached at its execute-api URL
   */
  readonly domain?: GatewayDomainOptions;
  /**
   * Realm in the `WWW-Authenticate: Bearer realm="..."` header of 401 responses.
   *
   * @default - the custom domain name, else 'gatehouse'
   */
  readonly realm?: string;
  /**
   * ARN of a regional AWS WAF web ACL associated with every API's stage.
   *
   * @default - no web ACL; requests reach the authorizer unfiltered
   */
  readonly webAclArn?: string;
  /**
   * Retention of the access log and the authorizer's log.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Creates the account-wide role that lets API Gateway write execution logs. Turn it off
   * when the account already has one.
   *
   * @default true
   */
  readonly cloudWatchRole?: boolean;
  /**
   * Placement of the resources of each API. Use `ApiPlacement.NESTED_STACK_PER_API` for
   * gateways too large for one stack, because CloudFormation allows a maximum of 500 resources
   * and a 1 MB template per stack.
   *
   * Changing the placement of a deployed gateway changes the logical id of every API
   * resource, so CloudFormation replaces each REST API, with a new API id and execute-api
   * URL, and deletes the old one. Choose the placement before the first deployment.
   *
   * @default ApiPlacement.GATEWAY_STACK - every API in the gateway's own stack
   */
  readonly apiPlacement?: ApiPlacement;
  /**
   * Path of the authorizer's core bundle, staged into the asset as `index.js`. The capability
   * files that the gateway's policies use (`basic.js`, `subscription.js`, `certificate.js`,
   * `backend.js`) must be beside it, built together with it as `npm run build:lambda` builds
   * them, because the core loads them from its own directory. Synth fails with
   * `AuthorizerBundleMissing` when the bundle or a file the policies use is missing.
   *
   * @default - `dist/bundles/authorizer/index.js` of this package, built by `npm run build:lambda`
   */
  readonly authorizerBundlePath?: string;
}

/**
 * One host name in front of many APIs. The gateway owns the shared authorizer function,
 * the access log, the uniform JSON error responses and the optional custom domain.
 *
 * @example
 * const gateway = new Gateway(this, 'Gateway', { defaultPolicy: AccessPolicy.jwt(validator) });
 * const orders = gateway.addApi('orders');
 * orders.addOperation('GET', '/orders', { backend: Backend.http('https://orders.internal/orders') });
 */
export class Gateway extends Construct {
  /** Policy of operations whose API and operation set none. */
  public readonly defaultPolicy?: AccessPolicy;
  /** The log group of the JSON access log of every API. */
  public readonly accessLogGroup: logs.LogGroup;
  /** The role of the authorizer function; it may write its own log and nothing else. */
  public readonly authorizerRole: iam.Role;
  /** The custom domain, when one is configured. */
  public readonly domainName?: apigw.DomainName;

  private readonly props: GatewayProps;
  private readonly realm: string;
  private readonly apis: Api[] = [];
  private readonly nestedBasePaths = new Set<string>();
  private readonly authorizerLogGroup: logs.LogGroup;
  private readonly nestedApis: boolean;
  private cloudWatchAccount?: apigw.CfnAccount;
  private authorizer?: lambda.Function;
  private compiledConfig?: AuthorizerConfig;

  constructor(scope: Construct, id: string, props: GatewayProps = {}) {
    super(scope, id);

    this.props = props;
    this.defaultPolicy = props.defaultPolicy;
    this.checkCacheTtl();
    this.realm = props.realm ?? props.domain?.domainName ?? 'gatehouse';
    this.checkRealm();
    this.nestedApis = props.apiPlacement === ApiPlacement.NESTED_STACK_PER_API;

    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', { retention });
    this.authorizerLogGroup = new logs.LogGroup(this, 'AuthorizerLogs', { retention });
    this.authorizerRole = new iam.Role(this, 'AuthorizerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Gatehouse authorizer: writes its own log group only',
    });
    this.authorizerLogGroup.grantWrite(this.authorizerRole);

    if (props.domain) {
      this.domainName = new apigw.DomainName(this, 'Domain', {
        domainName: props.domain.domainName,
        certificate: props.domain.certificate,
        endpointType: apigw.EndpointType.REGIONAL,
        securityPolicy: apigw.SecurityPolicy.TLS_1_2,
      });
      if (props.domain.mutualTls) applyMutualTls(this.domainName, props.domain.mutualTls);
    }

    // The authorizer's asset must contain the config, which is complete only after every
    // API and operation is added, so the function is created when aspects run at synth.
    Aspects.of(this).add(new CreateAuthorizer(this));
    // CDK runs construct validations after aspects and before it writes the templates, which
    // is where its own TooManyResourcesInStack check runs, so this error comes first.
    this.node.addValidation({
      validate: () => {
        checkStackResourceLimit(this, this.apisInOwnStack());
        return [];
      },
    });
  }

  /** Cache TTL of authorizers whose decisions can be cached, in seconds. */
  public get authorizerCacheTtlSeconds(): number {
    return (this.props.authorizerCacheTtl ?? DEFAULT_CACHE_TTL).toSeconds();
  }

  /** Authorizer function, or `undefined` until the app is synthesized. */
  public get authorizerFunction(): lambda.IFunction | undefined {
    return this.authorizer;
  }

  /** Compiled authorizer config, or `undefined` until the app is synthesized. */
  public get authorizerConfig(): AuthorizerConfig | undefined {
    return this.compiledConfig;
  }

  /**
   * Adds an API: a regional REST API with its stage, mapped under the custom domain.
   *
   * @example
   * const orders = gateway.addApi('orders', { policy: AccessPolicy.jwt(validator) });
   */
  public addApi(id: string, props: ApiProps = {}): Api {
    const firstApi = this.apis.length === 0;
    const cloudWatchRole = firstApi && this.props.cloudWatchRole !== false;
    const api = new Api(
      this,
      id,
      props,
      {
        restApiName: `${Stack.of(this).stackName}-${this.node.id}-${id}`,
        // NOTE: every gateway's first API sets the account-wide logging role, so two gateways
        // in one account both write AWS::ApiGateway::Account. Pass cloudWatchRole: false to one.
        // With nested APIs, the gateway creates the role itself in its own stack.
        cloudWatchRole: cloudWatchRole && !this.nestedApis,
        disableExecuteApiEndpoint: this.props.domain?.mutualTls ? true : undefined,
        deployOptions: {
          accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
          accessLogFormat: accessLogFormat(),
          loggingLevel: apigw.MethodLoggingLevel.INFO,
          // Data tracing would log full requests, Authorization headers included.
          dataTraceEnabled: false,
          metricsEnabled: true,
        },
      },
      { nestedStack: this.nestedApis },
    );
    if (cloudWatchRole && this.nestedApis) {
      this.createCloudWatchAccount();
    }
    if (this.cloudWatchAccount && this.nestedApis) {
      // A stage that logs can only be created once the account has a logging role.
      api.restApi.deploymentStage.node.addDependency(this.cloudWatchAccount);
    }
    this.createExecutionLogGroup(api);
    addGatewayResponses(api.restApi, this.realm);
    this.mapUnderDomain(api);
    if (this.props.webAclArn) {
      new wafv2.CfnWebACLAssociation(api._resourceScope, 'WebAcl', {
        resourceArn: api.restApi.deploymentStage.stageArn,
        webAclArn: this.props.webAclArn,
      });
    }
    this.apis.push(api);
    return api;
  }

  /**
   * Returns the invocation URI of the authorizer function, resolved once it exists.
   * @internal
   */
  public _authorizerUri(): string {
    return Lazy.string({
      produce: () => {
        if (!this.authorizer) {
          throw new Error(`the authorizer of ${this.node.path} was not created before synthesis`);
        }
        const stack = Stack.of(this);
        return `arn:${stack.partition}:apigateway:${stack.region}:lambda:path/2015-03-31/functions/${this.authorizer.functionArn}/invocations`;
      },
    });
  }

  /**
   * Compiles the config and creates the authorizer function with it.
   * @internal
   */
  public _createAuthorizer(): void {
    if (this.authorizer) {
      return;
    }
    const compiled = compileGateway(this, this.apis);
    this.compiledConfig = compiled.config;

    const apisWithAuthorizers = this.apis.filter((api) => api.authorizerGroups.size > 0);
    if (apisWithAuthorizers.length === 0) {
      return;
    }
    this.authorizer = createAuthorizerFunction(this, 'Authorizer', {
      bundlePath: this.props.authorizerBundlePath ?? DEFAULT_AUTHORIZER_BUNDLE,
      config: compiled.config,
      role: this.authorizerRole,
      logGroup: this.authorizerLogGroup,
    });
    compiled.grants.forEach((grant) => grant(this.authorizer!));
    Validations.of(this.authorizer).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The authorizer bundle is built and tested for the Node.js 22 runtime; moving to a newer runtime is a deliberate upgrade',
    });

    const configHash = createHash('sha256').update(JSON.stringify(compiled.config)).digest('hex');
    for (const api of this.apis) {
      // A stage serves its authorizers as of its last deployment, so their settings count too.
      const authorizers = [...api.authorizerGroups.values()].map((authorizer) => ({
        identitySource: authorizer.identitySource,
        ttlSeconds: authorizer.authorizerResultTtlInSeconds,
      }));
      api.restApi.latestDeployment?.addToLogicalId({ gatehouseConfig: configHash, authorizers });
    }
    for (const api of apisWithAuthorizers) {
      this.permitInvoke(this.authorizer, api);
    }
  }

  /**
   * Lets the API's authorizers invoke the authorizer function. A nested API's permission is
   * in its nested stack, so the gateway's stack grows by one resource per API only.
   */
  private permitInvoke(authorizer: lambda.Function, api: Api): void {
    const principal = new iam.ServicePrincipal('apigateway.amazonaws.com');
    const sourceArn = Stack.of(this).formatArn({
      service: 'execute-api',
      resource: api.restApi.restApiId,
      resourceName: 'authorizers/*',
    });
    if (!api.nestedStack) {
      authorizer.addPermission(`Invoke-${api.node.id}`, { principal, sourceArn });
      return;
    }
    new lambda.CfnPermission(api.nestedStack, 'AuthorizerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: authorizer.functionArn,
      principal: principal.service,
      sourceArn,
    });
  }

  /**
   * Creates the role API Gateway writes execution logs with and sets it on the account, in
   * the gateway's stack. Every nested API's stage depends on it, because API Gateway rejects
   * a stage with execution logging while the account has no logging role. CDK's own
   * `cloudWatchRole` makes the account depend on the REST API instead, and both dependencies
   * at once would form a cycle between the gateway's stack and the nested stack.
   */
  private createCloudWatchAccount(): void {
    const role = new iam.Role(this, 'CloudWatchRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(CLOUDWATCH_LOGS_POLICY)],
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.cloudWatchAccount = new apigw.CfnAccount(this, 'Account', {
      cloudWatchRoleArn: role.roleArn,
    });
    this.cloudWatchAccount.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${CLOUDWATCH_LOGS_POLICY}]`,
      reason:
        'API Gateway needs this account-level role to write execution logs, and AmazonAPIGatewayPushToCloudWatchLogs is the policy AWS maintains for exactly that',
    });
  }

  /**
   * Creates the group API Gateway writes execution logs to, so it gets a retention period
   * instead of the never-expiring group API Gateway would create itself.
   */
  private createExecutionLogGroup(api: Api): void {
    // The literal stage name lets the stage depend on the group, so the group exists
    // before the stage starts logging.
    const group = new logs.LogGroup(api._resourceScope, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${api.restApi.restApiId}/${api.stageName}`,
      retention: this.props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    api.restApi.deploymentStage.node.addDependency(group);
  }

  private mapUnderDomain(api: Api): void {
    if (!this.domainName) {
      return;
    }
    if (api.nestedStack) {
      mapNestedApi(this.domainName, api, this.nestedBasePaths);
      return;
    }
    // AWS::ApiGateway::BasePathMapping takes one path segment; multi-level base paths need
    // the newer AWS::ApiGatewayV2::ApiMapping, which also serves REST APIs.
    if (api.basePath.includes('/')) {
      this.domainName.addApiMapping(api.restApi.deploymentStage, { basePath: api.basePath });
    } else {
      this.domainName.addBasePathMapping(api.restApi, { basePath: api.basePath });
    }
  }

  private apisInOwnStack(): Api[] {
    return this.apis.filter((api) => api.nestedStack === undefined);
  }

  private checkCacheTtl(): void {
    const seconds = this.authorizerCacheTtlSeconds;
    if (!Token.isUnresolved(seconds) && seconds > MAX_CACHE_TTL.toSeconds()) {
      throw new GatehouseValidationError(
        'CacheTtlTooLarge',
        `authorizerCacheTtl must be at most 1 hour, got ${seconds} seconds`,
        this,
      );
    }
  }

  private checkRealm(): void {
    if (!Token.isUnresolved(this.realm) && !/^[A-Za-z0-9 ._:/-]+$/.test(this.realm)) {
      throw new GatehouseValidationError(
        'InvalidRealm',
        `realm must contain only letters, digits, spaces and ._:/-, because it is quoted in WWW-Authenticate, got '${this.realm}'`,
        this,
      );
    }
  }
}

/** Creates the gateway's authorizer when aspects visit the gateway. */
class CreateAuthorizer implements IAspect {
  constructor(private readonly gateway: Gateway) {}

  public visit(node: IConstruct): void {
    if (node === this.gateway) {
      this.gateway._createAuthorizer();
    }
  }
}
