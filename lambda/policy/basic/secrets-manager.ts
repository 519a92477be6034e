import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretReader } from './user-store';

let client: Promise<SecretsManagerClient> | undefined;

/**
 * Reads a secret's current string value with the function's own role. The SDK is loaded on
 * first use, so an authorizer whose policies accept no Basic credentials never loads it.
 */
export const readSecretString: SecretReader = async (secretArn) => {
  const sdk = await import('@aws-sdk/client-secrets-manager');
  client ??= Promise.resolve(new sdk.SecretsManagerClient({}));
  const output = await (await client).send(new sdk.GetSecretValueCommand({ SecretId: secretArn }));
  if (output.SecretString === undefined) {
    throw new Error(`secret ${secretArn} has no string value`);
  }
  return output.SecretString;
};
