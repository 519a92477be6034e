import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthorizerConfig } from '../../lambda/policy/config';
import { describeAccess } from './access';
import { AssemblyStack, assemblyRelative, isSameOrNestedIn, readAssemblyStacks } from './assembly';
import { describeBackend, integrationKindOf } from './backend';
import { ApiReport, EffectivePolicyReport, GatewayReport, REPORT_FORMAT_VERSION } from './model';
import { RestApiView, findRestApis } from './rest-api';
import { describeApisWithoutAuthorizer } from './without-authorizer';
import { compareText, describeValue, getAttTargets, isObject, referencedId } from './template';

/** Name of the compiled policy file inside the authorizer asset. */
const CONFIG_FILE = 'config.json';

/** Stage variable that names the Gatehouse API a stage belongs to. */
const API_STAGE_VARIABLE = 'gatehouseApi';

/**
 * Builds the effective-policy report of a cloud assembly directory from the assembly alone:
 * the authorizer configs staged as assets and the CloudFormation templates.
 *
 * @example
 * const report = buildReport('cdk.out');
 */
export function buildReport(assemblyDirectory: string): EffectivePolicyReport {
  const stacks = readAssemblyStacks(assemblyDirectory);
  const restApis = stacks.flatMap((stack) => findRestApis(stack));
  const claimed = new Set<RestApiView>();
  const gateways = stacks
    .flatMap((stack) => findAuthorizers(stack))
    .map((found) => describeGateway(found, restApis, assemblyDirectory, claimed));
  gateways.push(...describeApisWithoutAuthorizer(restApis.filter((api) => !claimed.has(api))));
  gateways.sort((a, b) => compareText(a.stack + a.gateway, b.stack + b.gateway));
  return { formatVersion: REPORT_FORMAT_VERSION, gateways };
}

interface FoundAuthorizer {
  readonly stack: AssemblyStack;
  readonly functionId: string;
  readonly assetPath: string;
  readonly config: AuthorizerConfig;
}

/** Finds every Lambda function in the stack whose asset contains a compiled authorizer config. */
function findAuthorizers(stack: AssemblyStack): FoundAuthorizer[] {
  const found: FoundAuthorizer[] = [];
  for (const [functionId, resource] of stack.template.ofType('AWS::Lambda::Function')) {
    const code = resource.Properties?.Code as { S3Key?: unknown } | undefined;
    const assetPath = typeof code?.S3Key === 'string' ? stack.assetPath(code.S3Key) : undefined;
    const configPath = assetPath ? join(assetPath, CONFIG_FILE) : undefined;
    if (!assetPath || !configPath || !existsSync(configPath)) {
      continue;
    }
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as AuthorizerConfig;
    if (typeof config.apis === 'object' && typeof config.jwtValidators === 'object') {
      found.push({ stack, functionId, assetPath, config });
    }
  }
  return found;
}

function describeGateway(
  found: FoundAuthorizer,
  restApis: RestApiView[],
  assemblyDirectory: string,
  claimed: Set<RestApiView>,
): GatewayReport {
  const problems: string[] = [];
  const apis = Object.entries(found.config.apis).map(([key, api]) => {
    const restApi = pickRestApi(key, found, restApis, problems);
    if (restApi) {
      claimed.add(restApi);
    }
    const report: ApiReport = restApi
      ? describeApi(key, found, restApi, problems)
      : { key, name: api.name, stages: [], operations: [], undeclaredMethods: [] };
    return report;
  });
  apis.sort((a, b) => compareText(a.key, b.key));
  return {
    stack: found.stack.id,
    gateway: found.config.gateway,
    authorizerFunction: found.functionId,
    authorizerAsset: assemblyRelative(assemblyDirectory, found.assetPath),
    apis,
    problems,
  };
}

/**
 * Picks the REST API whose stage carries the API's key. When several gateways use the same
 * key, the REST API whose authorizers call this gateway's function wins.
 */
function pickRestApi(
  key: string,
  found: FoundAuthorizer,
  restApis: RestApiView[],
  problems: string[],
): RestApiView | undefined {
  const candidates = restApis.filter((restApi) =>
    restApi.stages.some((stage) => stage.variables[API_STAGE_VARIABLE] === key),
  );
  const callingThisFunction = candidates.filter((restApi) => callsFunction(restApi, found));
  const picked = callingThisFunction.length > 0 ? callingThisFunction : candidates;
  if (picked.length === 0) {
    problems.push(`no stage in the assembly has ${API_STAGE_VARIABLE}=${key}`);
    return undefined;
  }
  if (picked.length > 1) {
    problems.push(
      `${picked.length} REST APIs have stages with ${API_STAGE_VARIABLE}=${key}; the report shows ${picked[0].logicalId} in ${picked[0].stack.id}`,
    );
  }
  return picked[0];
}

function callsFunction(restApi: RestApiView, found: FoundAuthorizer): boolean {
  return (
    isSameOrNestedIn(restApi.stack, found.stack) &&
    restApi.authorizers.some((authorizer) =>
      getAttTargets(authorizer.uri).includes(found.functionId),
    )
  );
}

function describeApi(
  key: string,
  found: FoundAuthorizer,
  restApi: RestApiView,
  problems: string[],
): ApiReport {
  const api = found.config.apis[key];
  const stages = restApi.stages.filter((stage) => stage.variables[API_STAGE_VARIABLE] === key);
  const declared = new Set<string>();

  const operations = api.operations.map((operation) => {
    const method = restApi.findMethod(operation.method, operation.path);
    if (method) {
      declared.add(method.logicalId);
    } else {
      problems.push(`${key}: no method ${operation.method} ${operation.path} in the template`);
    }
    const access = describeAccess(operation.access, found.config, problems, (name) =>
      environmentValue(found, name),
    );
    const authorizer = method ? restApi.authorizerOf(method) : undefined;
    const needsAuthorizer = access.kind !== 'anonymous';
    const enforced =
      !needsAuthorizer ||
      (authorizer !== undefined && getAttTargets(authorizer.uri).includes(found.functionId));
    return {
      method: operation.method,
      path: operation.path,
      methodLogicalId: method?.logicalId ?? null,
      access,
      enforced,
      caching: {
        authorizer: needsAuthorizer ? operation.authorizer : null,
        ttlSeconds: authorizer?.ttlSeconds ?? 0,
        identitySources: authorizer?.identitySources ?? [],
      },
      products: restApi.productsFor(operation.method, operation.path, stages),
      backend: describeBackend(method, operation.backendCredential, stages, restApi.stack),
    };
  });
  operations.sort((a, b) => compareText(`${a.path} ${a.method}`, `${b.path} ${b.method}`));

  const undeclaredMethods = restApi.methods
    .filter((method) => !declared.has(method.logicalId))
    .map((method) => ({
      method: method.httpMethod,
      path: method.path,
      methodLogicalId: method.logicalId,
      authorizationType: method.authorizationType,
      integration: integrationKindOf(method),
    }));
  return {
    key,
    name: api.name,
    stages: stages.map((stage) => ({
      name: stage.name,
      backendClientCertificate: stage.clientCertificateId !== undefined,
    })),
    operations,
    undeclaredMethods,
  };
}

/** Returns the value of an authorizer environment variable, or the resource it refers to. */
function environmentValue(found: FoundAuthorizer, name: string): string | null {
  const properties = found.stack.template.get(found.functionId)?.Properties;
  const environment = isObject(properties?.Environment) ? properties.Environment : {};
  const variables = isObject(environment.Variables) ? environment.Variables : {};
  const value = variables[name];
  if (value === undefined) {
    return null;
  }
  const target = referencedId(value);
  if (target) {
    return found.stack.template.constructPath(target) ?? target;
  }
  return describeValue(value);
}
