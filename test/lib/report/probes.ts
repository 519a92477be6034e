import { X509Certificate } from 'node:crypto';
import type { AuthorizerConfig } from '../../../lambda/policy/config';
import {
  AccessReport,
  BasicAccessReport,
  ClaimCheckReport,
  ClientCertificateAccessReport,
  EffectivePolicyReport,
  JwtAccessReport,
  OperationReport,
  SubscriptionKeyAccessReport,
  TokenSourceReport,
} from '../../../lib/report/model';
import { Invocation, LoadedAuthorizer, iamResourceMatches, invoke } from '../../support/authorizer';
import { IssuedCertificate } from '../../support/certificates';
import { requestEvent } from '../../support/events';
import { SigningKey, nowSeconds, signJwt } from '../../support/jwt';
import type { PreparedCallers } from './callers';

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
  /** True when the probe runs while the token broker cannot supply any credential. */
  readonly brokerDown?: boolean;
}

/** What a probe presents: headers, query parameters and a client certificate. */
export interface Credentials {
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly certificate?: IssuedCertificate;
}

/** A described set of credentials. */
type Labelled = readonly [description: string, credentials: Credentials];

/**
 * The probes of one requirement: `allow[0]` meets every listed item, further entries meet
 * them another listed way, and each `deny` entry lacks or breaks one listed item.
 */
interface Variants {
  readonly allow: Labelled[];
  readonly deny: Labelled[];
}

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
 * Derives the probes for every operation in the report. Without `callers`, an operation
 * whose requirement a signed token alone cannot meet gets only probes that expect a denial,
 * and so does an operation whose backend needs a token broker credential. Such operations
 * are returned in `denyOnly`.
 */
export function probesFor(
  report: EffectivePolicyReport,
  key: SigningKey,
  callers?: PreparedCallers,
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
      const add = (
        description: string,
        expected: Probe['expected'],
        credentials: Credentials,
        brokerDown = false,
      ) => {
        probes.push({
          description: `${name}: ${description}`,
          api: api.key,
          operation,
          expected,
          credentials,
          brokerDown,
        });
      };
      const variants = variantsOf(operation.access, { key, callers, operation });
      if (!variants || (brokered && !callers?.brokered)) {
        add('a request with no credentials', 'deny', {});
        variants?.deny.forEach(([description, credentials]) =>
          add(description, 'deny', credentials),
        );
        denyOnly.push(name);
        continue;
      }
      variants.allow.forEach(([description, credentials]) =>
        add(description, 'allow', credentials),
      );
      variants.deny.forEach(([description, credentials]) => add(description, 'deny', credentials));
      if (brokered) {
        const [description, credentials] = variants.allow[0];
        add(`${description}, while the token broker cannot answer`, 'deny', credentials, true);
      }
    }
  }
  return { probes, denyOnly };
}

interface ProbeContext {
  readonly key: SigningKey;
  readonly callers?: PreparedCallers;
  readonly operation: OperationReport;
}

/** Returns the probes of a requirement, or undefined when the test cannot build its caller. */
function variantsOf(access: AccessReport, context: ProbeContext): Variants | undefined {
  switch (access.kind) {
    case 'anonymous':
      return { allow: [['a request with no credentials', {}]], deny: [] };
    case 'jwt':
      return jwtVariants(access, context.key);
    case 'subscriptionKey':
      return context.callers && subscriptionKeyVariants(access, context.callers, context.operation);
    case 'clientCertificate':
      return context.callers && certificateVariants(access, context.callers);
    case 'basic':
      return context.callers && basicVariants(access, context.callers);
    case 'allOf':
      return allOfVariants(access.of.map((part) => variantsOf(part, context)));
    default:
      return undefined;
  }
}

/**
 * Every part must pass: the allowed caller presents what each part's allowed caller does, and
 * each denied variant of one part comes with what every other part needs.
 */
function allOfVariants(parts: (Variants | undefined)[]): Variants | undefined {
  if (parts.length === 0 || parts.some((part) => part === undefined)) return undefined;
  const all = parts as Variants[];
  const othersOf = (index: number) =>
    merge(...all.filter((_, other) => other !== index).map((part) => part.allow[0][1]));
  const allow: Labelled[] = [
    [all.map((part) => part.allow[0][0]).join(' and '), merge(...all.map((p) => p.allow[0][1]))],
  ];
  const deny: Labelled[] = [];
  all.forEach((part, index) => {
    const others = othersOf(index);
    part.allow
      .slice(1)
      .forEach(([description, credentials]) =>
        allow.push([`${description}, with the other requirements met`, merge(others, credentials)]),
      );
    part.deny.forEach(([description, credentials]) =>
      deny.push([`${description}, with the other requirements met`, merge(others, credentials)]),
    );
  });
  return { allow, deny };
}

/** Combines credentials. A later header, parameter or certificate replaces an earlier one. */
function merge(...sets: Credentials[]): Credentials {
  return {
    headers: Object.assign({}, ...sets.map((set) => set.headers ?? {})) as Record<string, string>,
    query: Object.assign({}, ...sets.map((set) => set.query ?? {})) as Record<string, string>,
    certificate: sets.reduce<IssuedCertificate | undefined>(
      (found, set) => set.certificate ?? found,
      undefined,
    ),
  };
}

function subscriptionKeyVariants(
  access: SubscriptionKeyAccessReport,
  callers: PreparedCallers,
  operation: OperationReport,
): Variants | undefined {
  const listed = operation.products
    .map((product) => product.productId)
    .filter((id): id is string => id !== null);
  const keyOf = (productId: string) => callers.subscriptionKey(access.registry, productId);
  const usable = listed.filter((id) => keyOf(id) !== undefined);
  if (usable.length === 0) return undefined;

  const inHeader = (value: string) => ({ headers: { [access.header]: value } });
  const allow: Labelled[] = usable.map((id) => [
    `a key of product ${id} in header ${access.header}`,
    inHeader(keyOf(id)!),
  ]);
  if (access.queryParameter !== null) {
    allow.push([
      `a key of product ${usable[0]} in query parameter ${access.queryParameter}`,
      { query: { [access.queryParameter]: keyOf(usable[0])! } },
    ]);
  }

  const deny: Labelled[] = [];
  const noKey: Labelled = ['a request with no subscription key', {}];
  (access.optional ? allow : deny).push(noKey);
  deny.push(['a subscription key not in the registry', inHeader(`ghk_${'0'.repeat(40)}`)]);
  for (const product of operation.products) {
    const waiting = product.productId
      ? callers.pendingSubscriptionKey(access.registry, product.productId)
      : undefined;
    if (product.approvalRequired && waiting) {
      deny.push([`a key of product ${product.productId} that awaits approval`, inHeader(waiting)]);
    }
  }
  for (const other of callers.productsOf(access.registry).filter((id) => !listed.includes(id))) {
    deny.push([
      `a key of product ${other}, which the report does not list`,
      inHeader(keyOf(other)!),
    ]);
  }
  return { allow, deny };
}

function certificateVariants(
  access: ClientCertificateAccessReport,
  callers: PreparedCallers,
): Variants | undefined {
  const set = callers.certificatesFor(access);
  if (!set) return undefined;
  return {
    allow: [
      ['a certificate from a listed CA with a listed identity', { certificate: set.allowed }],
    ],
    deny: [
      ['a request with no client certificate', {}],
      ...set.denied.map(([description, certificate]): Labelled => [description, { certificate }]),
    ],
  };
}

function basicVariants(access: BasicAccessReport, callers: PreparedCallers): Variants | undefined {
  const user = callers.basicUser(access.userStore);
  if (!user) return undefined;
  const basic = (pair: string) => ({
    headers: { Authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` },
  });
  return {
    allow: [
      [
        `Basic credentials of a user in ${access.userStore}`,
        basic(`${user.user}:${user.password}`),
      ],
    ],
    deny: [
      ['a request with no Basic credentials', {}],
      ['Basic credentials with a wrong password', basic(`${user.user}:${user.password}x`)],
      ['Basic credentials of a user not in the store', basic(`someone-else:${user.password}`)],
    ],
  };
}

function jwtVariants(access: JwtAccessReport, key: SigningKey): Variants {
  const allow: Labelled[] = [];
  const deny: Labelled[] = [];
  const add = (description: string, expected: Probe['expected'], credentials: Credentials) => {
    (expected === 'allow' ? allow : deny).push([description, credentials]);
  };
  const claims = claimsFor(access);
  const source = access.tokenSources[0];
  const sign = (payload: Record<string, unknown>) => placeToken(signJwt(key, payload), source);
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
  return { allow, deny };
}

/** Puts a token in the location from which, per the report, the authorizer reads it. */
function placeToken(token: string, source: TokenSourceReport): Credentials {
  if (source.in === 'header') {
    return { headers: { [source.name]: source.scheme ? `${source.scheme} ${token}` : token } };
  }
  if (source.in === 'query') {
    return { query: { [source.name]: token } };
  }
  return { headers: { cookie: `${source.name}=${token}` } };
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
  const { headers = {}, query = {}, certificate } = probe.credentials;
  const event = requestEvent({
    api: probe.api,
    method: operation.method === 'ANY' ? 'GET' : operation.method,
    resource: operation.path,
    headers: { ...headers },
    query: { ...query },
    clientCert: certificate && clientCertOf(certificate),
  });

  const result = await invoke(authorizer, event);

  const outcome = allowsRequest(result, String(event.methodArn)) ? 'allow' : 'deny';
  return outcome === probe.expected
    ? undefined
    : `${probe.description}: report predicts ${probe.expected}, authorizer said ${result.outcome} (${String(result.log.code ?? '')})`;
}

/** Builds the `clientCert` fields that API Gateway fills from a mutual TLS handshake. */
function clientCertOf(certificate: IssuedCertificate): Record<string, unknown> {
  const x509 = new X509Certificate(certificate.pem);
  return {
    clientCertPem: certificate.pem,
    subjectDN: x509.subject.split('\n').reverse().join(','),
    issuerDN: x509.issuer.split('\n').reverse().join(','),
    serialNumber: x509.serialNumber,
    validity: { notBefore: x509.validFrom, notAfter: x509.validTo },
  };
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
