import { Decision } from '../policy/decide';
import { AuthorizerContext, Grant } from '../policy/evaluator';
import { AuthRequest } from '../policy/request';

/** The response of a REQUEST authorizer: an IAM policy plus context for the backend. */
export interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: readonly PolicyStatement[];
  };
  readonly context?: AuthorizerContext;
  readonly usageIdentifierKey?: string;
}

interface PolicyStatement {
  readonly Action: 'execute-api:Invoke';
  readonly Effect: 'Allow' | 'Deny';
  readonly Resource: readonly string[];
}

/** Creates a policy with one Allow statement over `resources`. */
export function allowResult(
  principalId: string,
  resources: readonly string[],
  context: AuthorizerContext,
  usageIdentifierKey?: string,
): AuthorizerResult {
  return {
    principalId,
    policyDocument: policy('Allow', resources),
    context,
    ...(usageIdentifierKey === undefined ? {} : { usageIdentifierKey }),
  };
}

/**
 * Creates a policy that denies the request's own method ARN, which API Gateway turns into
 * 403. The Deny statement comes first; a second statement allows `siblingResources`, the
 * other operations this caller passed, because API Gateway caches this policy for them too.
 */
export function denyResult(
  methodArn: string,
  code: string,
  siblingResources: readonly string[] = [],
  siblingGrant?: Grant,
): AuthorizerResult {
  const statements = policy('Deny', [methodArn]).Statement;
  if (siblingResources.length > 0) {
    statements.push(...policy('Allow', siblingResources).Statement);
  }
  const usageIdentifierKey = siblingGrant?.usageIdentifierKey;
  return {
    principalId: siblingGrant?.principalId ?? 'anonymous',
    policyDocument: { Version: '2012-10-17', Statement: statements },
    context: { ...siblingGrant?.context, gatehouseCode: code },
    ...(usageIdentifierKey === undefined ? {} : { usageIdentifierKey }),
  };
}

function policy(effect: 'Allow' | 'Deny', resources: readonly string[]) {
  return {
    Version: '2012-10-17' as const,
    Statement: [{ Action: 'execute-api:Invoke' as const, Effect: effect, Resource: resources }],
  };
}

/**
 * Turns a decision into the authorizer response: a policy for an allow or a 403, and the
 * `Unauthorized` error that API Gateway's contract reserves for a 401.
 */
export function toResult(decision: Decision, request: AuthRequest): AuthorizerResult {
  if (!decision.allowed) {
    if (decision.failure.status === 401) {
      throw new Error('Unauthorized');
    }
    return denyResult(
      request.methodArn,
      decision.failure.code,
      decision.siblingResources,
      decision.siblingGrant,
    );
  }
  const { resources, grant } = decision;
  return allowResult(
    grant.principalId ?? 'anonymous',
    resources,
    grant.context,
    grant.usageIdentifierKey,
  );
}
