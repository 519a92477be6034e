import type { BackendCredentialConfig } from '../../lambda/policy/config';
import { AssemblyStack } from './assembly';
import { BackendAuthenticationReport, BackendReport } from './model';
import { MethodView, StageView } from './rest-api';
import { compareText, describeValue, getAttTargets, isObject } from './template';

const HEADER_PARAMETER = 'integration.request.header.';
const CONTEXT_VALUE = 'context.authorizer.';

/**
 * Describes how the gateway calls an operation's backend and proves itself to it: the
 * stage's client certificate for HTTP backends, a token broker credential in a header, or
 * an IAM role on the integration.
 */
export function describeBackend(
  method: MethodView | undefined,
  credential: BackendCredentialConfig | undefined,
  stages: StageView[],
  stack: AssemblyStack,
): BackendReport {
  const integration = method?.integration ?? {};
  const type = String(integration.Type ?? 'UNKNOWN');
  const headersFromAuthorizer = authorizerHeaders(integration.RequestParameters);
  const authentication: BackendAuthenticationReport[] = [];

  const isHttp = type === 'HTTP' || type === 'HTTP_PROXY';
  const everyStageHasCertificate =
    stages.length > 0 && stages.every((stage) => stage.clientCertificateId !== undefined);
  if (isHttp && everyStageHasCertificate) {
    authentication.push({ kind: 'clientCertificate' });
  }

  if (credential) {
    const mapped = headersFromAuthorizer.find(
      (entry) => entry.contextKey === credential.contextKey,
    );
    authentication.push({
      kind: 'brokerCredential',
      connection: credential.connection,
      header: mapped?.header ?? null,
      exchangesTokenOf: credential.subjectValidator ?? null,
    });
  }

  if (integration.Credentials !== undefined) {
    authentication.push({ kind: 'iamRole', role: describeValue(integration.Credentials) });
  }

  return {
    integration: integrationKind(type, integration.Uri),
    target: integrationTarget(type, integration.Uri, stack),
    authentication,
    headersFromAuthorizer,
  };
}

/** Returns the kind of a method's integration: `http`, `lambda`, `mock` or API Gateway's type. */
export function integrationKindOf(method: MethodView): string {
  return integrationKind(String(method.integration.Type ?? 'UNKNOWN'), method.integration.Uri);
}

function integrationKind(type: string, uri: unknown): string {
  if (type === 'HTTP' || type === 'HTTP_PROXY') {
    return 'http';
  }
  if (type === 'MOCK') {
    return 'mock';
  }
  if ((type === 'AWS_PROXY' || type === 'AWS') && describeValue(uri).includes(':lambda:path/')) {
    return 'lambda';
  }
  return type.toLowerCase();
}

/** Returns a URL, or for a Lambda backend the function's construct path or logical id. */
function integrationTarget(type: string, uri: unknown, stack: AssemblyStack): string | null {
  if (type === 'MOCK' || uri === undefined) {
    return null;
  }
  if (typeof uri === 'string') {
    return uri;
  }
  const functionId = getAttTargets(uri).find(
    (id) => stack.template.get(id)?.Type === 'AWS::Lambda::Function',
  );
  if (functionId) {
    return stack.template.constructPath(functionId) ?? functionId;
  }
  return describeValue(uri);
}

function authorizerHeaders(parameters: unknown): BackendReport['headersFromAuthorizer'] {
  if (!isObject(parameters)) {
    return [];
  }
  return Object.entries(parameters)
    .filter(([name, value]) => name.startsWith(HEADER_PARAMETER) && isContextValue(value))
    .map(([name, value]) => ({
      header: name.slice(HEADER_PARAMETER.length),
      contextKey: String(value).slice(CONTEXT_VALUE.length),
    }))
    .sort((a, b) => compareText(a.header, b.header));
}

function isContextValue(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(CONTEXT_VALUE);
}
