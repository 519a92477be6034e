/**
 * Code every peer handler shares: reading its settings and the bearer token, the role check
 * and the API Gateway REQUEST authorizer response. Each peer bundles its own copy.
 */

/** The parts of an API Gateway REQUEST authorizer event a peer handler reads. */
export interface PeerEvent {
  readonly methodArn: string;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
}

export interface PeerResponse {
  readonly principalId: string;
  readonly policyDocument: {
    readonly Version: '2012-10-17';
    readonly Statement: readonly {
      readonly Action: 'execute-api:Invoke';
      readonly Effect: 'Allow' | 'Deny';
      readonly Resource: string;
    }[];
  };
}

/** Settings every peer reads from its environment, as a hand-written authorizer would. */
export interface PeerSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  readonly roleClaim: string;
  readonly requiredRole: string;
}

/** Reads the peer settings from `BENCH_*` environment variables. */
export function readSettings(): PeerSettings {
  return {
    issuer: requireEnv('BENCH_ISSUER'),
    audience: requireEnv('BENCH_AUDIENCE'),
    jwksUri: requireEnv('BENCH_JWKS_URI'),
    roleClaim: requireEnv('BENCH_ROLE_CLAIM'),
    requiredRole: requireEnv('BENCH_REQUIRED_ROLE'),
  };
}

/** Algorithms every handler in the benchmark accepts. */
export const ALGORITHMS = ['RS256', 'ES256'] as const;

/** Error API Gateway turns into a 401 response. */
export function unauthorized(): Error {
  return new Error('Unauthorized');
}

/** Returns the token of an `Authorization: Bearer` header, or throws `Unauthorized`. */
export function bearerToken(event: PeerEvent): string {
  const headers = event.headers ?? {};
  const value = headers.authorization ?? headers.Authorization;
  const match = value ? /^\s*bearer\s+(\S+)\s*$/i.exec(value) : null;
  if (!match) {
    throw unauthorized();
  }
  return match[1];
}

/** True when the claim is an array or space-separated string containing `role`. */
export function hasRole(
  claims: Readonly<Record<string, unknown>>,
  settings: PeerSettings,
): boolean {
  const claim = claims[settings.roleClaim];
  const values = typeof claim === 'string' ? claim.split(' ') : claim;
  return Array.isArray(values) && values.includes(settings.requiredRole);
}

/** True when `exp` is present and a number; every handler requires it. */
export function hasExpiry(claims: Readonly<Record<string, unknown>>): boolean {
  return typeof claims.exp === 'number' && Number.isFinite(claims.exp);
}

/** Returns an IAM policy that allows or denies exactly the method the request called. */
export function policyFor(
  principalId: string,
  effect: 'Allow' | 'Deny',
  methodArn: string,
): PeerResponse {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
    },
  };
}

/** Returns the decision for verified claims: Allow with the role, Deny (403) without. */
export function decide(
  claims: Readonly<Record<string, unknown>>,
  settings: PeerSettings,
  methodArn: string,
): PeerResponse {
  const principalId = typeof claims.sub === 'string' ? claims.sub : 'unknown';
  return policyFor(principalId, hasRole(claims, settings) ? 'Allow' : 'Deny', methodArn);
}

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`environment variable ${name} is missing`);
  }
  return value;
}
