import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretReader } from './user-store';

let client: SecretsManagerClient | undefined;

/** Reads a secret's current string value with the function's own role. */
export const readSecretString: SecretReader = async (secretArn) => {
  client ??= new SecretsManagerClient({});
  const output = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  if (output.SecretString === undefined) {
    throw new Error(`secret ${secretArn} has no string value`);
  }
  return output.SecretString;
};
