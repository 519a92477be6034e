import { createBasicEvaluator } from './evaluator';
import { readSecretString } from './secrets-manager';
import { UserStoreCache } from './user-store';

export { BASIC_USER_CONTEXT_KEY, createBasicEvaluator } from './evaluator';
export { parseBasicAuthorization } from './parse';
export { hashPassword, verifyPassword } from './password-hash';

/** The `basic` evaluator the authorizer registers, reading user stores from Secrets Manager. */
export const evaluateBasic = createBasicEvaluator(new UserStoreCache(readSecretString));
