import { describeBackend, integrationKindOf } from './backend';
import { ApiReport, GatewayReport, OperationReport } from './model';
import { RestApiView } from './rest-api';

/** Stage variable that names the Gatehouse API a stage belongs to. */
const API_STAGE_VARIABLE = 'gatehouseApi';

/** Gateway name in the report for APIs whose gateway created no authorizer. */
export const NO_AUTHORIZER = '(no authorizer)';

/**
 * Describes Gatehouse APIs that no authorizer config claims. A gateway creates no
 * authorizer function when every operation is anonymous, so the template alone shows who
 * may call: each method without authorization is an anonymous operation, and any other
 * method is listed as undeclared.
 */
export function describeApisWithoutAuthorizer(restApis: RestApiView[]): GatewayReport[] {
  const byStack = new Map<string, ApiReport[]>();
  for (const restApi of restApis) {
    const stages = restApi.stages.filter((stage) => API_STAGE_VARIABLE in stage.variables);
    if (stages.length === 0) {
      continue;
    }
    const key = stages[0].variables[API_STAGE_VARIABLE];
    const open = restApi.methods.filter((method) => method.authorizationType === 'NONE');
    const operations: OperationReport[] = open.map((method) => ({
      method: method.httpMethod,
      path: method.path,
      methodLogicalId: method.logicalId,
      access: { kind: 'anonymous' },
      enforced: true,
      caching: { authorizer: null, ttlSeconds: 0, identitySources: [] },
      products: restApi.productsFor(method.httpMethod, method.path, stages),
      backend: describeBackend(method, undefined, stages, restApi.stack),
    }));
    const api: ApiReport = {
      key,
      name: restApi.stack.template.constructPath(restApi.logicalId) ?? restApi.logicalId,
      stages: stages.map((stage) => ({
        name: stage.name,
        backendClientCertificate: stage.clientCertificateId !== undefined,
      })),
      operations,
      undeclaredMethods: restApi.methods
        .filter((method) => method.authorizationType !== 'NONE')
        .map((method) => ({
          method: method.httpMethod,
          path: method.path,
          methodLogicalId: method.logicalId,
          authorizationType: method.authorizationType,
          integration: integrationKindOf(method),
        })),
    };
    // A nested stack is deployed with its root stack, so its APIs are listed under the root.
    const stack = restApi.stack.artifactId;
    byStack.set(stack, [...(byStack.get(stack) ?? []), api]);
  }
  return [...byStack].map(([stack, apis]) => ({
    stack,
    gateway: NO_AUTHORIZER,
    authorizerFunction: null,
    authorizerAsset: null,
    apis,
    problems: [],
  }));
}
