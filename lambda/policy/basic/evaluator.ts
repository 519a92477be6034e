import { AccessDenied } from '../failure';
import { Grant, RequirementEvaluator } from '../evaluator';
import { parseBasicAuthorization } from './parse';
import { verifyPassword } from './password-hash';
import { UserStoreCache, UserStoreError } from './user-store';

/** Authorizer context key that carries the Basic user id to the backend. */
export const BASIC_USER_CONTEXT_KEY = 'basicUser';

/**
 * Creates the evaluator of `basic` requirements. It denies with `BASIC_MISSING`,
 * `BASIC_MALFORMED` or `BASIC_INVALID` (status 401), and the caller never learns whether the
 * user id or the password was wrong; only the log message tells them apart, without the
 * password.
 */
export function createBasicEvaluator(stores: UserStoreCache): RequirementEvaluator<'basic'> {
  return (requirement, context) =>
    context.memo(`basic:${requirement.userStore}`, async (): Promise<Grant> => {
      const store = context.config.basicUserStores?.[requirement.userStore];
      if (!store) {
        throw new AccessDenied(
          'BASIC_STORE_UNAVAILABLE',
          401,
          `user store '${requirement.userStore}' is not in the config`,
        );
      }
      const credentials = parseBasicAuthorization(
        context.request.headers.get('authorization') ?? [],
      );

      const secretArn = process.env[store.secretArnVariable];
      if (!secretArn) {
        throw new AccessDenied(
          'BASIC_STORE_UNAVAILABLE',
          401,
          `environment variable ${store.secretArnVariable} with the user store ARN is not set`,
        );
      }
      const users = await loadUsers(stores, secretArn, store.refreshSeconds);
      const record = users.get(credentials.username);
      const valid = await verifyPassword(record, credentials.password);

      if (!record) {
        // The user id is left out: a caller may have typed a password into it.
        throw new AccessDenied('BASIC_INVALID', 401, 'unknown Basic user');
      }
      if (!valid) {
        throw new AccessDenied(
          'BASIC_INVALID',
          401,
          `wrong password for Basic user '${credentials.username}'`,
        );
      }
      return {
        principalId: credentials.username,
        context: { [BASIC_USER_CONTEXT_KEY]: credentials.username },
      };
    });
}

async function loadUsers(stores: UserStoreCache, secretArn: string, refreshSeconds: number) {
  try {
    return await stores.get(secretArn, refreshSeconds);
  } catch (error) {
    if (error instanceof UserStoreError) {
      throw new AccessDenied(error.code, 401, error.message, { cause: error });
    }
    throw error;
  }
}
