import { AccessRequirement, AuthorizerConfig } from './config';
import { AuthRequest } from './request';

/** Values passed to the backend through `$context.authorizer.*`; never a caller's secret. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/** The part of the authorizer's response that a passed requirement contributes. */
export interface Grant {
  /** Caller identity, for `principalId` and the access log. */
  readonly principalId?: string;
  readonly context: AuthorizerContext;
  /** API key value that API Gateway meters against a usage plan. */
  readonly usageIdentifierKey?: string;
}

/** State one decision shares between the requirements it evaluates. */
export interface EvaluationContext {
  readonly config: AuthorizerConfig;
  readonly request: AuthRequest;
  /**
   * Runs `compute` once per key for this decision and returns its result (or rethrows its
   * failure) on later calls, so a token checked for one operation is not checked again for
   * the next.
   */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

/**
 * Checks one kind of requirement. It resolves with a grant when the request meets it, and
 * rejects with `AccessDenied` when it does not; any other rejection also denies.
 */
export type RequirementEvaluator<K extends AccessRequirement['kind']> = (
  requirement: Extract<AccessRequirement, { kind: K }>,
  context: EvaluationContext,
) => Promise<Grant>;
