import { ApiConfig, AuthorizerConfig, OperationConfig } from './config';
import { EvaluationContext, Grant } from './evaluator';
import { evaluate, mergeGrants } from './evaluators';
import { AccessDenied } from './failure';
import { allowedResourceArns, siblingResourceArns } from './method-arn';
import { AuthRequest } from './request';

/** The outcome of one decision. */
export type Decision =
  | {
      readonly allowed: true;
      readonly api: ApiConfig;
      readonly operation: OperationConfig;
      /** The requested operation first, then every other operation of its authorizer that passed. */
      readonly allowedOperations: readonly OperationConfig[];
      /** Operations of the same authorizer that this caller may not reach. */
      readonly deniedOperations: readonly OperationConfig[];
      /** Resource ARNs of the Allow statement; never empty. */
      readonly resources: readonly string[];
      readonly grant: Grant;
    }
  | {
      readonly allowed: false;
      readonly api?: ApiConfig;
      readonly operation?: OperationConfig;
      readonly failure: AccessDenied;
      /**
       * Resource ARNs of the other operations of the authorizer that passed, for a 403 only.
       * API Gateway caches the deny policy too, so these keep the caller's next calls open.
       */
      readonly siblingResources?: readonly string[];
      /** Merged grant of the operations in `siblingResources`. */
      readonly siblingGrant?: Grant;
    };

/**
 * Decides a request: finds its operation, evaluates that operation's requirement, and when
 * it passes also evaluates every other operation that shares its authorizer, because API
 * Gateway caches the returned policy for all of them. Never rejects; an unexpected error
 * becomes a denial with code `INTERNAL_ERROR`.
 */
export async function decide(config: AuthorizerConfig, request: AuthRequest): Promise<Decision> {
  const api = Object.hasOwn(config.apis, request.api) ? config.apis[request.api] : undefined;
  if (api === undefined) {
    return deny(
      new AccessDenied('API_NOT_FOUND', 403, `no API ${JSON.stringify(request.api)} in the config`),
    );
  }
  const operation = findOperation(api, request.method, request.resourcePath);
  if (operation === undefined) {
    const name = `${request.method} ${request.resourcePath}`;
    return deny(
      new AccessDenied('OPERATION_NOT_FOUND', 403, `no operation ${name} in API ${api.name}`),
      api,
    );
  }

  const context = createContext(config, request);
  let grant: Grant;
  try {
    grant = await evaluate(operation.access, context);
    if (operation.backendCredential !== undefined) {
      grant = await loadBackendCredential().addBackendCredential(operation, context, grant);
    }
  } catch (error) {
    const failure = asAccessDenied(error);
    return failure.status === 403
      ? denyKeepingSiblings(failure, api, operation, context)
      : deny(failure, api, operation);
  }

  const siblings = siblingsOf(api, operation);
  const results =
    siblings.length === 0
      ? []
      : await Promise.all(
          siblings.map((other) => evaluate(other.access, context).catch(() => undefined)),
        );
  const allowedOperations = [
    operation,
    ...siblings.filter((_, index) => results[index] !== undefined),
  ];
  const deniedOperations = siblings.filter((_, index) => results[index] === undefined);
  const resources = allowedResourceArns(request.methodArn, allowedOperations, deniedOperations);
  if (resources.length === 0) {
    const message = 'methodArn contains an IAM wildcard and cannot be allowed exactly';
    return deny(new AccessDenied('UNSAFE_METHOD_ARN', 403, message), api, operation);
  }
  // NOTE: sibling grants merge under the requested operation's, so when two validators forward
  // one context key with different values, a cached call to a sibling sees the first value.
  const passedGrants = results.filter((result): result is Grant => result !== undefined);
  return {
    allowed: true,
    api,
    operation,
    allowedOperations,
    deniedOperations,
    resources,
    grant: passedGrants.length === 0 ? grant : mergeGrants([grant, ...passedGrants]),
  };
}

/** Loads the backend credential module on first use, so other configs skip the broker client. */
function loadBackendCredential(): typeof import('./backend/backend-credential') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./backend/backend-credential');
}

/** Sibling operations by operation, computed once per loaded config. */
const siblingCache = new WeakMap<OperationConfig, readonly OperationConfig[]>();

/** Returns the other operations of `api` that share `operation`'s authorizer. */
function siblingsOf(api: ApiConfig, operation: OperationConfig): readonly OperationConfig[] {
  let siblings = siblingCache.get(operation);
  if (siblings === undefined) {
    siblings = api.operations.filter(
      (other) => other !== operation && other.authorizer === operation.authorizer,
    );
    siblingCache.set(operation, siblings);
  }
  return siblings;
}

/** Finds the operation for a method and resource path, preferring an exact method to `ANY`. */
export function findOperation(
  api: ApiConfig,
  method: string,
  resourcePath: string,
): OperationConfig | undefined {
  const onPath = api.operations.filter((operation) => operation.path === resourcePath);
  return (
    onPath.find((operation) => operation.method === method) ??
    onPath.find((operation) => operation.method === 'ANY')
  );
}

/** Creates the per-decision context whose memo shares token checks between operations. */
export function createContext(config: AuthorizerConfig, request: AuthRequest): EvaluationContext {
  const results = new Map<string, Promise<unknown>>();
  return {
    config,
    request,
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      let result = results.get(key) as Promise<T> | undefined;
      if (result === undefined) {
        result = compute();
        results.set(key, result);
      }
      return result;
    },
  };
}

/**
 * Denies the requested operation and lists the sibling operations that pass. Without them,
 * API Gateway would apply the cached deny to the caller's next call of any operation of
 * this authorizer and return 403 where the caller is allowed.
 */
async function denyKeepingSiblings(
  failure: AccessDenied,
  api: ApiConfig,
  operation: OperationConfig,
  context: EvaluationContext,
): Promise<Decision> {
  const siblings = siblingsOf(api, operation);
  const results = await Promise.all(
    siblings.map((other) => evaluate(other.access, context).catch(() => undefined)),
  );
  const passed = siblings.filter((_, index) => results[index] !== undefined);
  const failed = [operation, ...siblings.filter((_, index) => results[index] === undefined)];
  const grants = results.filter((result): result is Grant => result !== undefined);
  let siblingResources: string[];
  try {
    siblingResources = siblingResourceArns(context.request.methodArn, passed, failed);
  } catch {
    return deny(failure, api, operation);
  }
  const siblingGrant = grants.length > 0 ? mergeGrants(grants) : undefined;
  return { allowed: false, api, operation, failure, siblingResources, siblingGrant };
}

function asAccessDenied(error: unknown): AccessDenied {
  if (error instanceof AccessDenied) {
    return error;
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new AccessDenied('INTERNAL_ERROR', 403, `decision failed: ${reason}`, { cause: error });
}

function deny(failure: AccessDenied, api?: ApiConfig, operation?: OperationConfig): Decision {
  return { allowed: false, api, operation, failure };
}
