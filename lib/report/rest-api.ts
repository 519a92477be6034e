import { AssemblyStack } from './assembly';
import { CatalogEntry, readCatalog } from './catalog';
import { ProductReport } from './model';
import {
  CfnResource,
  compareText,
  describeValue,
  isObject,
  numberProperty,
  referencedAttribute,
  referencedId,
} from './template';

/**
 * API Gateway caches an authorizer's decision for 300 seconds when
 * `AuthorizerResultTtlInSeconds` is left out of the template.
 */
const API_GATEWAY_DEFAULT_TTL_SECONDS = 300;

export interface StageView {
  readonly logicalId: string;
  readonly name: string;
  readonly variables: Record<string, string>;
  readonly clientCertificateId?: unknown;
}

export interface MethodView {
  readonly logicalId: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly authorizationType: string;
  readonly authorizerId?: string;
  readonly integration: Record<string, unknown>;
}

export interface AuthorizerView {
  readonly logicalId: string;
  readonly uri: unknown;
  readonly ttlSeconds: number;
  readonly identitySources: string[];
}

/** One REST API of a template, with the stages, methods and authorizers that refer to it. */
export class RestApiView {
  public readonly stages: StageView[];
  public readonly methods: MethodView[];
  public readonly authorizers: AuthorizerView[];

  constructor(
    public readonly stack: AssemblyStack,
    public readonly logicalId: string,
    private readonly catalogs: Map<AssemblyStack, Map<string, CatalogEntry>>,
  ) {
    this.stages = this.ofThisApi('AWS::ApiGateway::Stage').map(([id, resource]) =>
      describeStage(id, resource),
    );
    this.authorizers = this.ofThisApi('AWS::ApiGateway::Authorizer').map(([id, resource]) =>
      describeAuthorizer(id, resource),
    );
    this.methods = this.ofThisApi('AWS::ApiGateway::Method').map(([id, resource]) =>
      this.describeMethod(id, resource),
    );
  }

  /** Returns the method for an operation; `ANY` in the config matches only an `ANY` method. */
  public findMethod(httpMethod: string, path: string): MethodView | undefined {
    return this.methods.find((method) => method.httpMethod === httpMethod && method.path === path);
  }

  public authorizerOf(method: MethodView): AuthorizerView | undefined {
    if (method.authorizationType !== 'CUSTOM') {
      return undefined;
    }
    return this.authorizers.find((authorizer) => authorizer.logicalId === method.authorizerId);
  }

  /**
   * Returns the usage plans that cover one of the stages, with the limits for one method.
   * The plans are looked up in the API's stack and, for a nested stack, in its parents.
   */
  public productsFor(httpMethod: string, path: string, stages: StageView[]): ProductReport[] {
    const products: ProductReport[] = [];
    for (const [planStack, planId, plan] of this.usagePlans()) {
      const properties = plan.Properties ?? {};
      const apiStages = Array.isArray(properties.ApiStages) ? properties.ApiStages : [];
      for (const apiStage of apiStages.filter(isObject)) {
        const stage = stages.find((candidate) => this.isStage(apiStage, candidate));
        if (!stage) {
          continue;
        }
        const override = methodThrottle(apiStage.Throttle, httpMethod, path);
        const product = this.catalogs.get(planStack)?.get(planId);
        products.push({
          name: typeof properties.UsagePlanName === 'string' ? properties.UsagePlanName : planId,
          productId: product?.productId ?? null,
          subscriptionRequired: product?.subscriptionRequired ?? null,
          approvalRequired: product?.approvalRequired ?? null,
          stage: stage.name,
          throttle: describeThrottle(override ?? properties.Throttle, override !== undefined),
          quota: describeQuota(properties.Quota),
        });
      }
    }
    return products.sort((a, b) => compareText(a.name, b.name));
  }

  /** Returns the usage plans of the API's stack and of its parents, each with its stack. */
  private usagePlans(): [AssemblyStack, string, CfnResource][] {
    const plans: [AssemblyStack, string, CfnResource][] = [];
    for (let stack: AssemblyStack | undefined = this.stack; stack; stack = stack.parent) {
      for (const [planId, plan] of stack.template.ofType('AWS::ApiGateway::UsagePlan')) {
        plans.push([stack, planId, plan]);
      }
    }
    return plans;
  }

  private isStage(apiStage: Record<string, unknown>, stage: StageView): boolean {
    if (referencedId(apiStage.ApiId) !== this.logicalId) {
      return false;
    }
    return referencedId(apiStage.Stage) === stage.logicalId || apiStage.Stage === stage.name;
  }

  private ofThisApi(type: string): [string, CfnResource][] {
    return this.stack.template
      .ofType(type)
      .filter(([, resource]) => referencedId(resource.Properties?.RestApiId) === this.logicalId);
  }

  private describeMethod(logicalId: string, resource: CfnResource): MethodView {
    const properties = resource.Properties ?? {};
    return {
      logicalId,
      httpMethod: String(properties.HttpMethod),
      path: this.resourcePath(properties.ResourceId),
      authorizationType: String(properties.AuthorizationType ?? 'NONE'),
      authorizerId: referencedId(properties.AuthorizerId),
      integration: isObject(properties.Integration) ? properties.Integration : {},
    };
  }

  /** Returns the path of an `AWS::ApiGateway::Resource`, following `ParentId` to the root. */
  private resourcePath(resourceId: unknown, depth = 0): string {
    const isRoot =
      referencedId(resourceId) === this.logicalId &&
      referencedAttribute(resourceId) === 'RootResourceId';
    if (isRoot) {
      return '/';
    }
    const resource = this.stack.template.get(referencedId(resourceId) ?? '');
    const properties = resource?.Properties;
    // A path deeper than API Gateway allows means the template has a cycle.
    if (!properties || depth > 64) {
      return `(unknown resource ${describeValue(resourceId)})`;
    }
    const parent = this.resourcePath(properties.ParentId, depth + 1);
    return `${parent === '/' ? '' : parent}/${String(properties.PathPart)}`;
  }
}

/** Finds the REST APIs of a stack. */
export function findRestApis(stack: AssemblyStack): RestApiView[] {
  const catalogs = new Map<AssemblyStack, Map<string, CatalogEntry>>();
  for (let current: AssemblyStack | undefined = stack; current; current = current.parent) {
    catalogs.set(current, readCatalog(current));
  }
  return stack.template
    .ofType('AWS::ApiGateway::RestApi')
    .map(([logicalId]) => new RestApiView(stack, logicalId, catalogs));
}

function describeStage(logicalId: string, resource: CfnResource): StageView {
  const properties = resource.Properties ?? {};
  const variables: Record<string, string> = {};
  for (const [name, value] of Object.entries(
    isObject(properties.Variables) ? properties.Variables : {},
  )) {
    variables[name] = describeValue(value);
  }
  return {
    logicalId,
    name: describeValue(properties.StageName ?? logicalId),
    variables,
    clientCertificateId: properties.ClientCertificateId,
  };
}

function describeAuthorizer(logicalId: string, resource: CfnResource): AuthorizerView {
  const properties = resource.Properties ?? {};
  const sources = typeof properties.IdentitySource === 'string' ? properties.IdentitySource : '';
  return {
    logicalId,
    uri: properties.AuthorizerUri,
    ttlSeconds:
      numberProperty(properties.AuthorizerResultTtlInSeconds) ?? API_GATEWAY_DEFAULT_TTL_SECONDS,
    identitySources: sources
      .split(',')
      .map((source) => source.trim())
      .filter((source) => source !== ''),
  };
}

/**
 * Returns the per-method throttle of a usage plan stage. API Gateway keys it by resource
 * path and method, as in `/orders/{id}/GET`; the root resource is written `//GET`.
 */
function methodThrottle(throttle: unknown, httpMethod: string, path: string): unknown {
  if (!isObject(throttle)) {
    return undefined;
  }
  return throttle[`${path}/${httpMethod}`];
}

function describeThrottle(throttle: unknown, methodOverride: boolean): ProductReport['throttle'] {
  if (!isObject(throttle)) {
    return null;
  }
  const rateLimit = numberProperty(throttle.RateLimit) ?? null;
  const burstLimit = numberProperty(throttle.BurstLimit) ?? null;
  if (rateLimit === null && burstLimit === null) {
    return null;
  }
  return { rateLimit, burstLimit, methodOverride };
}

function describeQuota(quota: unknown): ProductReport['quota'] {
  if (!isObject(quota)) {
    return null;
  }
  const limit = numberProperty(quota.Limit);
  if (limit === undefined) {
    return null;
  }
  return { limit, period: String(quota.Period ?? 'UNKNOWN') };
}
