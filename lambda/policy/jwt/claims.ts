import { ClaimCheckConfig, IssuerConfig, JwtValidatorConfig } from '../config';
import { AccessDenied } from '../failure';

/**
 * Checks `iss`, `aud`, `exp`, `nbf` and `iat` against the validator's settings, with
 * `clockSkewSeconds` of tolerance on each time. Throws `AccessDenied` with status 401.
 */
export function checkRegisteredClaims(
  claims: Readonly<Record<string, unknown>>,
  validator: JwtValidatorConfig,
  now: number,
): void {
  const skew = validator.clockSkewSeconds;
  const { iss, aud, exp, nbf, iat } = claims;

  if (typeof iss !== 'string' || !validator.issuers.some((entry) => issuerMatches(entry, iss))) {
    throw new AccessDenied(
      'ISSUER_NOT_ALLOWED',
      401,
      `token issuer ${JSON.stringify(iss)} is not allowed`,
    );
  }

  if (validator.audiences !== null && !audienceMatches(aud, validator.audiences)) {
    throw new AccessDenied(
      'AUDIENCE_NOT_ALLOWED',
      401,
      `token audience ${JSON.stringify(aud)} is not allowed`,
    );
  }

  if (exp === undefined && validator.requireExpiry) {
    throw new AccessDenied('CLAIM_INVALID', 401, 'token has no exp claim, and expiry is required');
  }
  if (exp !== undefined && now - skew >= numericDate(exp, 'exp')) {
    throw new AccessDenied('TOKEN_EXPIRED', 401, `token expired at ${exp}`);
  }

  if (nbf !== undefined && now + skew < numericDate(nbf, 'nbf')) {
    throw new AccessDenied('TOKEN_NOT_YET_VALID', 401, `token is not valid before ${nbf}`);
  }

  const maxAge = validator.maxTokenAgeSeconds;
  if (iat !== undefined) {
    numericDate(iat, 'iat');
  }
  if (maxAge !== undefined) {
    checkTokenAge(iat, maxAge, skew, now);
  }
}

/**
 * Checks claim requirements of a verified token. Throws `AccessDenied` with status 403,
 * because the caller is known but lacks what the operation needs.
 */
export function checkRequiredClaims(
  claims: Readonly<Record<string, unknown>>,
  checks: readonly ClaimCheckConfig[],
): void {
  for (const check of checks) {
    const present = claimValues(readClaim(claims, check.claim));
    if (present === undefined) {
      throw new AccessDenied('CLAIM_MISSING', 403, `token has no usable claim ${check.claim}`);
    }
    const passes =
      check.match === 'all'
        ? check.values.every((value) => present.includes(value))
        : check.values.some((value) => present.includes(value));
    if (!passes) {
      throw new AccessDenied(
        'CLAIM_NOT_SATISFIED',
        403,
        `token claim ${check.claim} does not contain ${check.match} of ${check.values.join(', ')}`,
      );
    }
  }
}

/**
 * Reads a claim by name. A name with dots is first looked up whole, since namespaced claims
 * such as `https://example.com/roles` contain dots, and then as a path of nested objects.
 */
export function readClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) {
    return claims[name];
  }
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Splits a claim into its values: a space-separated string, or an array's strings. */
function claimValues(value: unknown): readonly string[] | undefined {
  if (typeof value === 'string') {
    return value.split(' ').filter((part) => part !== '');
  }
  if (Array.isArray(value)) {
    return value.filter((item): item is string => typeof item === 'string');
  }
  return undefined;
}

export function issuerMatches(config: IssuerConfig, iss: string): boolean {
  if (config.kind === 'exact') {
    return config.issuer === iss;
  }
  const [prefix, suffix] = config.template.split('{tenant}');
  const fits =
    iss.length > prefix.length + suffix.length && iss.startsWith(prefix) && iss.endsWith(suffix);
  return fits && config.tenants.includes(iss.slice(prefix.length, iss.length - suffix.length));
}

function audienceMatches(aud: unknown, allowed: readonly string[]): boolean {
  if (typeof aud === 'string') {
    return allowed.includes(aud);
  }
  return (
    Array.isArray(aud) && aud.some((entry) => typeof entry === 'string' && allowed.includes(entry))
  );
}

function numericDate(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AccessDenied('CLAIM_INVALID', 401, `token claim ${name} is not a number`);
  }
  return value;
}

function checkTokenAge(iat: unknown, maxAge: number, skew: number, now: number): void {
  if (iat === undefined) {
    throw new AccessDenied(
      'CLAIM_INVALID',
      401,
      'token has no iat claim, and a maximum age is set',
    );
  }
  const age = now - (iat as number);
  if (age < -skew) {
    throw new AccessDenied('TOKEN_NOT_YET_VALID', 401, `token was issued in the future, at ${iat}`);
  }
  if (age - skew > maxAge) {
    throw new AccessDenied(
      'TOKEN_EXPIRED',
      401,
      `token was issued at ${iat}, more than ${maxAge} seconds ago`,
    );
  }
}
