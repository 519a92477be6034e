import { IssuedCredential } from './broker';
import { TokenBrokerConfig } from './config';
import { BrokerError } from './errors';
import { requestToken } from './oauth-client';

/**
 * Returns the string value of the secret whose ARN the named environment variable contains;
 * the handler passes a cached Secrets Manager read.
 */
export type SecretSource = (secretArnVariable: string) => Promise<string>;

/**
 * Fetches a new credential for the named connection: a Basic header from a secret, or a
 * token from an OAuth 2.0 token endpoint.
 *
 * @throws BrokerError `INVALID_REQUEST` for an unknown connection, or what the fetch raised
 */
export async function fetchCredential(
  config: TokenBrokerConfig,
  secrets: SecretSource,
  name: string,
  subjectToken: string | undefined,
): Promise<IssuedCredential> {
  const connection = Object.hasOwn(config.connections, name) ? config.connections[name] : undefined;
  if (!connection) {
    throw new BrokerError('INVALID_REQUEST', `connection '${name}' is not configured`);
  }
  if (connection.kind === 'basic') {
    return basicCredential(name, await secrets(connection.secretArnVariable), config);
  }
  return requestToken({
    name,
    connection,
    clientSecret: await secrets(connection.clientAuthentication.secretArnVariable),
    subjectToken,
    policy: config.cache,
    timeoutMs: config.requestTimeoutMs,
  });
}

/** Builds `Basic base64(user:password)`, kept until the secret is due to be read again. */
function basicCredential(
  name: string,
  secretString: string,
  config: TokenBrokerConfig,
): IssuedCredential {
  let parsed: { username?: unknown; password?: unknown } | null;
  try {
    parsed = JSON.parse(secretString);
  } catch (error) {
    throw new BrokerError('SECRET_UNAVAILABLE', `the secret of '${name}' is not JSON`, {
      cause: error,
    });
  }
  const username = parsed?.username;
  const password = parsed?.password;
  const usable = typeof username === 'string' && username !== '' && !username.includes(':');
  if (!usable || typeof password !== 'string') {
    throw new BrokerError(
      'SECRET_UNAVAILABLE',
      `the secret of '${name}' needs a "username" without a colon and a "password" string`,
    );
  }
  const encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  return { headerValue: `Basic ${encoded}`, lifetimeSeconds: config.secretRefreshSeconds };
}
