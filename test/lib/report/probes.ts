import type { AuthorizerConfig } from '../../../lambda/policy/config';
import {
  AccessReport,
  ClaimCheckReport,
  EffectivePolicyReport,
  JwtAccessReport,
  OperationReport,
} from '../../../lib/report/model';
import { Invocation, LoadedAuthorizer, iamResourceMatches, invoke } from '../../support/authorizer';
import { requestEvent } from '../../support/events';
import { SigningKey, nowSeconds, signJwt } from '../../support/jwt';

/**
 * One request built from what the report lists for an operation, with the outcome the
 * report predicts. A caller who presents every listed item gets in, and one who lacks any
 * single listed item does not.
 */
export interface Probe {
  readonly description: string;
  readonly api: string;
  readonly operation: OperationReport;
  readonly expected: 'allow' | 'deny';
  readonly credentials: Credentials;
}

/** Where a probe puts its token, if it has one. */
type Credentials = {
  readonly token?: string;
  readonly source?: JwtAccessReport['tokenSources'][number];
};

/**
 * Returns a copy of the config whose validators trust only `key`, so the test can sign
 * tokens. Issuers, audiences, claims and every other check stay as compiled.
 */
export function trustTestKey(config: AuthorizerConfig, key: SigningKey): AuthorizerConfig {
  const jwtValidators = Object.fromEntries(
    Object.entries(config.jwtValidators).map(([id, validator]) => [
      id,
      { ...validator, keys: { kind: 'inline' as const, keys: [key.jwk] } },
    ]),
  );
  return { ...config, jwtValidators };
}

/**
 * Derives the probes for every operation in the report. An operation whose requirement a
 * signed token alone cannot meet, such as a subscription key or a client certificate, gets
 * only the probe without credentials. An operation whose backend needs a token broker
 * credential gets no probe that expects an allow. Both kinds are returned in `denyOnly`.
 */
export function probesFor(
  report: EffectivePolicyReport,
  key: SigningKey,
): { probes: Probe[]; denyOnly: string[] } {
  const probes: Probe[] = [];
  const denyOnly: string[] = [];
  for (const api of report.gateways.flatMap((gateway) => gateway.apis)) {
    for (const operation of api.operations) {
      const name = `${api.key} ${operation.method} ${operation.path}`;
      // The authorizer also needs the token broker's credential before it allows such a call.
      const brokered = operation.backend.authentication.some(
        (auth) => auth.kind === 'brokerCredential',
      );
      const add = (description: string, expected: Probe['expected'], credentials: Credentials) => {
        if (brokered && expected === 'allow') {
          return;
        }
        probes.push({
          description: `${name}: ${description}`,
          api: api.key,
          operation,
          expected,
          credentials,
        });
      };
      if (!addProbes(operation.access, key, add)) {
        add('a request with no credentials', 'deny', {});
        denyOnly.push(name);
      } else if (brokered) {
        denyOnly.push(name);
      }
    }
  }
  return { probes, denyOnly };
}

type AddProbe = (
  description: string,
  expected: Probe['expected'],
  credentials: Credentials,
) => void;

function addProbes(access: AccessReport, key: SigningKey, add: AddProbe): boolean {
  if (access.kind === 'anonymous') {
    add('a request with no credentials', 'allow', {});
    return true;
  }
  if (access.kind !== 'jwt') {
    return false;
  }

  const claims = claimsFor(access);
  const source = access.tokenSources[0];
  const sign = (payload: Record<string, unknown>) => ({ token: signJwt(key, payload), source });
  add('a token with every listed claim', 'allow', sign(claims));
  add('a request with no token', 'deny', {});
  add(
    'a token from an issuer not listed',
    'deny',
    sign({ ...claims, iss: 'https://other-issuer.example.com/' }),
  );
  if (access.audiences !== null) {
    add('a token for an audience not listed', 'deny', sign({ ...claims, aud: 'api://not-listed' }));
  }
  add(
    'an expired token',
    'deny',
    sign({ ...claims, exp: nowSeconds() - access.clockSkewSeconds - 60 }),
  );
  if (access.requireExpiry) {
    add('a token without exp', 'deny', sign(without(claims, 'exp')));
  }

  for (const check of access.requiredClaims) {
    const withoutClaim = without(claims, topLevel(check.claim));
    add(`a token without claim ${check.claim}`, 'deny', sign(withoutClaim));
    if (check.match === 'all' && check.values.length > 1) {
      const short = withValues(
        claims,
        check.claim,
        valuesOf(claims, check.claim).filter((v) => v !== check.values[0]),
      );
      add(`a token whose ${check.claim} lacks ${check.values[0]}`, 'deny', sign(short));
    }
    if (check.match === 'any' && check.values.length > 1 && onlyCheckOn(access, check)) {
      const last = check.values[check.values.length - 1];
      add(
        `a token whose ${check.claim} holds only ${last}`,
        'allow',
        sign(withValues(claims, check.claim, [last])),
      );
    }
  }
  return true;
}

/** Builds the claims of a token that meets every requirement the report lists. */
function claimsFor(access: JwtAccessReport): Record<string, unknown> {
  const issuer = access.issuers[0];
  const iss =
    'exact' in issuer ? issuer.exact : issuer.pattern.replace('{tenant}', issuer.tenants[0]);
  const now = nowSeconds();
  let claims: Record<string, unknown> = {
    iss,
    aud: access.audiences?.[0] ?? 'api://any',
    sub: 'report-probe',
    iat: now,
    exp: now + 600,
  };
  for (const check of access.requiredClaims) {
    const wanted = check.match === 'all' ? check.values : check.values.slice(0, 1);
    const values = [...new Set([...valuesOf(claims, check.claim), ...wanted])];
    claims = withValues(claims, check.claim, values);
  }
  return claims;
}

function onlyCheckOn(access: JwtAccessReport, check: ClaimCheckReport): boolean {
  return access.requiredClaims.filter((other) => other.claim === check.claim).length === 1;
}

/** Returns a copy of the claims without one top-level claim. */
function without(claims: Record<string, unknown>, name: string): Record<string, unknown> {
  const copy = { ...claims };
  delete copy[name];
  return copy;
}

function topLevel(claim: string): string {
  return claim.split('.')[0];
}

function valuesOf(claims: Record<string, unknown>, claim: string): string[] {
  let value: unknown = claims;
  for (const part of claim.split('.')) {
    value =
      typeof value === 'object' && value !== null
        ? (value as Record<string, unknown>)[part]
        : undefined;
  }
  return Array.isArray(value) ? (value as string[]) : [];
}

/** Returns a copy of the claims with `claim` (a dot path) set to an array of values. */
function withValues(
  claims: Record<string, unknown>,
  claim: string,
  values: string[],
): Record<string, unknown> {
  const [head, ...rest] = claim.split('.');
  if (rest.length === 0) {
    return { ...claims, [head]: values };
  }
  const inner = (claims[head] as Record<string, unknown> | undefined) ?? {};
  return { ...claims, [head]: withValues(inner, rest.join('.'), values) };
}

/** Sends the probe to the bundled authorizer and returns a mismatch, or undefined. */
export async function runProbe(
  authorizer: LoadedAuthorizer,
  probe: Probe,
): Promise<string | undefined> {
  const { operation } = probe;
  const headers: Record<string, string> = {};
  const query: Record<string, string> = {};
  const { token, source } = probe.credentials;
  if (token && source) {
    if (source.in === 'header') {
      headers[source.name] = source.scheme ? `${source.scheme} ${token}` : token;
    } else if (source.in === 'query') {
      query[source.name] = token;
    } else {
      headers.cookie = `${source.name}=${token}`;
    }
  }
  const event = requestEvent({
    api: probe.api,
    method: operation.method === 'ANY' ? 'GET' : operation.method,
    resource: operation.path,
    headers,
    query,
  });

  const result = await invoke(authorizer, event);

  const outcome = allowsRequest(result, String(event.methodArn)) ? 'allow' : 'deny';
  return outcome === probe.expected
    ? undefined
    : `${probe.description}: report predicts ${probe.expected}, authorizer said ${result.outcome} (${String(result.log.code ?? '')})`;
}

function allowsRequest(result: Invocation, methodArn: string): boolean {
  const statements = result.result?.policyDocument.Statement ?? [];
  const allowed = statements
    .filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) => [statement.Resource].flat());
  return (
    result.outcome === 'allow' && allowed.some((pattern) => iamResourceMatches(pattern, methodArn))
  );
}
