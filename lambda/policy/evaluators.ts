import { AccessRequirement } from './config';
import { EvaluationContext, Grant, RequirementEvaluator } from './evaluator';
import { AccessDenied } from './failure';
import { evaluateJwt } from './jwt/evaluate-jwt';

type EvaluatorRegistry = { [K in AccessRequirement['kind']]?: RequirementEvaluator<K> };

/**
 * Returns an evaluator that loads its module on first use. In the split authorizer bundle
 * (`scripts/authorizer-bundle.mjs`), each of these `require` calls loads a capability file
 * beside the core, such as `basic.js`. When the file is missing, throws while loading, or
 * lacks the evaluator, the returned promise rejects with that error, and the decision turns
 * it into an `INTERNAL_ERROR` denial. A failed load is tried again on the next call.
 */
function loadOnUse<K extends AccessRequirement['kind']>(
  load: () => RequirementEvaluator<K>,
): RequirementEvaluator<K> {
  let loaded: RequirementEvaluator<K> | undefined;
  return async (requirement, context) => {
    loaded ??= load();
    return loaded(requirement, context);
  };
}

/* eslint-disable @typescript-eslint/no-require-imports */
const evaluateBasic = loadOnUse<'basic'>(
  () => (require('./basic') as typeof import('./basic')).evaluateBasic,
);
const evaluateBackendCredential = loadOnUse<'backendCredential'>(
  () =>
    (require('./backend/backend-credential') as typeof import('./backend/backend-credential'))
      .evaluateBackendCredential,
);
const evaluateSubscriptionKey = loadOnUse<'subscriptionKey'>(
  () => (require('./subscription') as typeof import('./subscription')).evaluateSubscriptionKey,
);
const evaluateClientCertificate = loadOnUse<'clientCertificate'>(
  () =>
    (
      require('./certificate/evaluate-certificate') as typeof import('./certificate/evaluate-certificate')
    ).evaluateClientCertificate,
);
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * The evaluator of each requirement kind. A new kind adds its type to `AccessRequirement`
 * and one line here; a requirement whose kind has no line denies.
 */
export const evaluators: EvaluatorRegistry = {
  anonymous: async () => ({ context: {} }),
  jwt: evaluateJwt,
  basic: evaluateBasic,
  backendCredential: evaluateBackendCredential,
  subscriptionKey: evaluateSubscriptionKey,
  clientCertificate: evaluateClientCertificate,
  allOf: async (requirement, context) => {
    const grants: Grant[] = [];
    for (const part of requirement.of) {
      grants.push(await evaluate(part, context));
    }
    return mergeGrants(grants);
  },
  anyOf: async (requirement, context) => {
    const failures: unknown[] = [];
    for (const part of requirement.of) {
      try {
        return await evaluate(part, context);
      } catch (error) {
        failures.push(error);
      }
    }
    throw failures.length > 0
      ? strongestFailure(failures)
      : new Error('anyOf lists no requirement');
  },
};

/** Evaluates one requirement with the evaluator registered for its kind. */
export function evaluate(
  requirement: AccessRequirement,
  context: EvaluationContext,
): Promise<Grant> {
  const evaluator = evaluators[requirement.kind] as
    RequirementEvaluator<AccessRequirement['kind']> | undefined;
  if (evaluator === undefined) {
    return Promise.reject(
      new Error(`no evaluator for requirement kind ${String(requirement.kind)}`),
    );
  }
  return evaluator(requirement as never, context);
}

/**
 * Merges grants in order: the first principal and usage identifier key win, and on a
 * context key that two grants set, the earlier grant's value wins.
 */
export function mergeGrants(grants: readonly Grant[]): Grant {
  const merged = {
    principalId: grants.find((grant) => grant.principalId !== undefined)?.principalId,
    usageIdentifierKey: grants.find((grant) => grant.usageIdentifierKey !== undefined)
      ?.usageIdentifierKey,
    context: {},
  };
  for (const grant of [...grants].reverse()) {
    Object.assign(merged.context, grant.context);
  }
  return merged;
}

/**
 * Picks the failure an `anyOf` reports when every branch failed: an unexpected error first
 * (so it is logged), then a 403 from a branch where the caller was recognised, then the
 * first failure.
 */
function strongestFailure(failures: readonly unknown[]): unknown {
  const unexpected = failures.find((failure) => !(failure instanceof AccessDenied));
  const forbidden = failures.find(
    (failure) => failure instanceof AccessDenied && failure.status === 403,
  );
  return unexpected ?? forbidden ?? failures[0];
}
