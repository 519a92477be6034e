import { OperationConfig } from '../config';
import { EvaluationContext, Grant, RequirementEvaluator } from '../evaluator';
import { AccessDenied } from '../failure';
import { readToken } from '../jwt/token-source';
import { BrokerClient, BrokerUnavailableError } from './broker-client';
import { invokeBroker } from './lambda-invoker';

/**
 * Evaluates the `backendCredential` marker inside an operation's access requirement. It
 * always passes: the credential itself is fetched by `addBackendCredential` for the
 * requested operation only, so a sibling operation never makes the authorizer call the
 * broker or puts another backend's credential in the context.
 */
export const evaluateBackendCredential: RequirementEvaluator<'backendCredential'> = async () => ({
  context: {},
});

const sharedClient = new BrokerClient(invokeBroker);

/**
 * Adds the backend credential of an allowed operation to its grant, under the context key
 * that the integration maps to the backend's header. Operations without one keep their grant.
 *
 * @throws AccessDenied `BACKEND_CREDENTIAL_UNAVAILABLE` (403) when the broker fails
 */
export async function addBackendCredential(
  operation: OperationConfig,
  context: EvaluationContext,
  grant: Grant,
  client: BrokerClient = sharedClient,
): Promise<Grant> {
  const credential = operation.backendCredential;
  if (credential === undefined) {
    return grant;
  }
  const subjectToken = credential.subjectValidator
    ? readSubjectToken(context, credential.subjectValidator)
    : undefined;

  let headerValue: string;
  try {
    headerValue = await client.credential(
      credential.connection,
      subjectToken,
      credential.brokerTimeoutMs,
    );
  } catch (error) {
    const code = error instanceof BrokerUnavailableError ? error.code : 'BROKER_UNREACHABLE';
    throw new AccessDenied(
      'BACKEND_CREDENTIAL_UNAVAILABLE',
      403,
      `no credential for connection '${credential.connection}' (${code})`,
      { cause: error },
    );
  }
  return { ...grant, context: { ...grant.context, [credential.contextKey]: headerValue } };
}

/** Reads the caller's token from where its validator reads it; the validator has passed it. */
function readSubjectToken(context: EvaluationContext, validatorId: string): string {
  const validator = context.config.jwtValidators[validatorId];
  if (validator === undefined) {
    throw new Error(`config has no JWT validator ${validatorId} for token exchange`);
  }
  return readToken(context.request, validator.tokenSources);
}
