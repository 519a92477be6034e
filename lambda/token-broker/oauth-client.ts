import { randomUUID } from 'node:crypto';
import { importJWK, importPKCS8, SignJWT } from 'jose';
import { CachePolicyConfig, ClientAuthenticationConfig, OAuthConnectionConfig } from './config';
import { BrokerError } from './errors';
import { IssuedCredential } from './broker';
import { parseTokenResponse } from './token-response';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ASSERTION_LIFETIME_SECONDS = 60;

export interface TokenRequestInput {
  readonly name: string;
  readonly connection: OAuthConnectionConfig;
  /** Client secret, or the private key for `private_key_jwt`. */
  readonly clientSecret: string;
  readonly subjectToken?: string;
  readonly policy: CachePolicyConfig;
  readonly timeoutMs: number;
}

/**
 * Requests a token from the connection's token endpoint, authenticating as the gateway's
 * client, and returns it as a Bearer credential.
 *
 * @throws BrokerError `PROVIDER_UNAVAILABLE`, `PROVIDER_REJECTED` or `PROVIDER_MALFORMED`
 */
export async function requestToken(input: TokenRequestInput): Promise<IssuedCredential> {
  const { name, connection } = input;
  const form = new URLSearchParams(grantParameters(input));
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  await authenticateClient(connection, input.clientSecret, form, headers);

  let response: Response;
  try {
    response = await fetch(connection.tokenEndpoint, {
      method: 'POST',
      headers,
      body: form.toString(),
      redirect: 'error',
      signal: AbortSignal.timeout(input.timeoutMs),
    });
  } catch (error) {
    throw new BrokerError(
      'PROVIDER_UNAVAILABLE',
      `token endpoint ${connection.tokenEndpoint} for '${name}' could not be reached`,
      { cause: error },
    );
  }

  const body = await readJson(response);
  if (response.status >= 500 || (response.status !== 200 && body === undefined)) {
    throw new BrokerError(
      'PROVIDER_UNAVAILABLE',
      `token endpoint ${connection.tokenEndpoint} for '${name}' answered HTTP ${response.status}`,
    );
  }
  if (response.status !== 200) {
    throw new BrokerError(
      'PROVIDER_REJECTED',
      `token endpoint ${connection.tokenEndpoint} rejected '${name}' with HTTP ${response.status} ${oauthErrorCode(body)}`,
    );
  }
  return parseTokenResponse(name, body, input.policy);
}

function grantParameters(input: TokenRequestInput): Record<string, string> {
  const { connection, subjectToken } = input;
  const parameters: Record<string, string> = {};
  if (connection.kind === 'tokenExchange') {
    if (subjectToken === undefined) {
      throw new BrokerError(
        'INVALID_REQUEST',
        `connection '${input.name}' exchanges the caller's token, but the request has none`,
      );
    }
    parameters.grant_type = TOKEN_EXCHANGE_GRANT;
    parameters.subject_token = subjectToken;
    parameters.subject_token_type = ACCESS_TOKEN_TYPE;
    parameters.requested_token_type = ACCESS_TOKEN_TYPE;
  } else {
    parameters.grant_type = 'client_credentials';
  }
  if (connection.scope) parameters.scope = connection.scope;
  if (connection.audience) parameters.audience = connection.audience;
  if (connection.resource) parameters.resource = connection.resource;
  return parameters;
}

async function authenticateClient(
  connection: OAuthConnectionConfig,
  secret: string,
  form: URLSearchParams,
  headers: Record<string, string>,
): Promise<void> {
  const auth: ClientAuthenticationConfig = connection.clientAuthentication;
  switch (auth.method) {
    case 'client_secret_basic': {
      // RFC 6749 section 2.3.1: form-encode the id and secret before joining and Base64.
      const pair = `${formEncode(connection.clientId)}:${formEncode(secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
      return;
    }
    case 'client_secret_post':
      form.set('client_id', connection.clientId);
      form.set('client_secret', secret);
      return;
    case 'private_key_jwt':
      form.set('client_id', connection.clientId);
      form.set('client_assertion_type', JWT_BEARER_ASSERTION);
      form.set('client_assertion', await signClientAssertion(connection, auth, secret));
      return;
  }
}

/** Signs an RFC 7523 client assertion for the token endpoint. */
async function signClientAssertion(
  connection: OAuthConnectionConfig,
  auth: Extract<ClientAuthenticationConfig, { method: 'private_key_jwt' }>,
  keyMaterial: string,
): Promise<string> {
  const key = await importPrivateKey(keyMaterial, auth.algorithm);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({
      alg: auth.algorithm,
      typ: 'JWT',
      ...(auth.keyId ? { kid: auth.keyId } : {}),
    })
    .setIssuer(connection.clientId)
    .setSubject(connection.clientId)
    .setAudience(connection.tokenEndpoint)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + ASSERTION_LIFETIME_SECONDS)
    .sign(key);
}

async function importPrivateKey(keyMaterial: string, algorithm: string) {
  try {
    const trimmed = keyMaterial.trim();
    return trimmed.startsWith('{')
      ? await importJWK(JSON.parse(trimmed), algorithm)
      : await importPKCS8(trimmed, algorithm);
  } catch (error) {
    throw new BrokerError(
      'SECRET_UNAVAILABLE',
      `the private key secret is not a PKCS #8 PEM key or private JWK for ${algorithm}`,
      { cause: error },
    );
  }
}

/** application/x-www-form-urlencoded encoding of one value, as RFC 6749 appendix B defines. */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Returns the OAuth `error` code of an error body when it is a short plain word. */
function oauthErrorCode(body: unknown): string {
  const error = (body as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' && /^[\w.-]{1,64}$/.test(error)
    ? `(${error})`
    : '(no OAuth error code)';
}
