import { CachePolicyConfig } from './config';
import { BrokerError } from './errors';
import { IssuedCredential } from './broker';

// Only the Bearer type is sent as is; DPoP and MAC tokens need a proof the broker cannot make.
const BEARER = /^bearer$/i;
// RFC 6749 section 5.1: an access token is one or more visible ASCII characters.
const ACCESS_TOKEN = /^[\x21-\x7e]+$/;

/**
 * Turns a 200 token response body into a credential. `expires_in` may be a number or a
 * numeric string. When it is missing, the configured default lifetime applies. A value above
 * the maximum lifetime is lowered to it, and 0 yields a credential that is used once.
 *
 * @throws BrokerError `PROVIDER_MALFORMED` naming the field that is unusable
 */
export function parseTokenResponse(
  connection: string,
  body: unknown,
  policy: CachePolicyConfig,
): IssuedCredential {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw malformed(connection, 'the body is not a JSON object');
  }
  const response = body as Record<string, unknown>;

  const token = response.access_token;
  if (typeof token !== 'string' || !ACCESS_TOKEN.test(token)) {
    throw malformed(
      connection,
      'access_token is missing or not a string of visible ASCII characters',
    );
  }
  const tokenType = response.token_type;
  if (typeof tokenType !== 'string' || !BEARER.test(tokenType)) {
    throw malformed(connection, `token_type must be Bearer, got ${describe(tokenType)}`);
  }

  return {
    headerValue: `Bearer ${token}`,
    lifetimeSeconds: lifetime(connection, response.expires_in, policy),
  };
}

function lifetime(connection: string, expiresIn: unknown, policy: CachePolicyConfig): number {
  if (expiresIn === undefined || expiresIn === null) {
    return policy.defaultLifetimeSeconds;
  }
  let seconds = NaN;
  if (typeof expiresIn === 'number') {
    seconds = expiresIn;
  } else if (typeof expiresIn === 'string' && /^\d{1,15}$/.test(expiresIn.trim())) {
    seconds = Number(expiresIn);
  }
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw malformed(
      connection,
      `expires_in must be a non-negative number of seconds, got ${describe(expiresIn)}`,
    );
  }
  return Math.min(Math.floor(seconds), policy.maxLifetimeSeconds);
}

/** Describes a value by type and, for short numbers and words, by value; never a token. */
function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string' && /^[\w.-]{0,20}$/.test(value)) return `'${value}'`;
  if (typeof value === 'string') return 'a string';
  return value === null ? 'null' : typeof value;
}

function malformed(connection: string, reason: string): BrokerError {
  return new BrokerError(
    'PROVIDER_MALFORMED',
    `token response for '${connection}' is unusable: ${reason}`,
  );
}
