import { X509Certificate } from 'node:crypto';
import type {
  AccessRequirement,
  AuthorizerConfig,
  ClaimCheckConfig,
  ClientCertificateRequirement,
  JwtValidatorConfig,
  KeySourceConfig,
} from '../../lambda/policy/config';
import {
  AccessReport,
  ClaimCheckReport,
  ClientCertificateAccessReport,
  JwtAccessReport,
  KeySourceReport,
} from './model';

/**
 * Returns what the authorizer function's environment variable `name` refers to, such as
 * the construct path of a secret, or null when the function has no such variable.
 */
export type AuthorizerEnvironment = (name: string) => string | null;

/**
 * Returns the report form of a compiled requirement, with the parameters of the validators
 * and user stores it names filled in from the config. A kind this report does not know is
 * kept as compiled, so a newer authorizer config still produces a report.
 */
export function describeAccess(
  requirement: AccessRequirement,
  config: AuthorizerConfig,
  problems: string[],
  environment: AuthorizerEnvironment = () => null,
): AccessReport {
  // Configs written by newer constructs may hold kinds that the type does not list yet.
  const kind = (requirement as { kind: string }).kind;
  const describeMember = (member: AccessRequirement) =>
    describeAccess(member, config, problems, environment);
  switch (requirement.kind) {
    // A backend credential needs nothing from the caller, and the backend section lists it.
    case 'backendCredential':
    case 'anonymous':
      return { kind: 'anonymous' };
    case 'jwt':
      return describeJwt(requirement.validator, requirement.claims, config, problems) ?? other();
    case 'allOf': {
      // Members that ask nothing of the caller do not change who gets in.
      const members = distinct(requirement.of.map(describeMember));
      const demanding = members.filter((member) => member.kind !== 'anonymous');
      if (demanding.length === 0) {
        return { kind: 'anonymous' };
      }
      return demanding.length === 1 ? demanding[0] : { kind: 'allOf', of: demanding };
    }
    case 'anyOf': {
      const members = distinct(requirement.of.map(describeMember));
      return members.length === 1 ? members[0] : { kind: 'anyOf', of: members };
    }
    case 'basic': {
      const store = config.basicUserStores?.[requirement.userStore];
      return {
        kind: 'basic',
        userStore: requirement.userStore,
        realm: store?.realm ?? null,
        secret: store ? environment(store.secretArnVariable) : null,
      };
    }
    case 'subscriptionKey':
      return {
        kind: 'subscriptionKey',
        registry: requirement.registry,
        header: requirement.header,
        queryParameter: requirement.queryParameter ?? null,
        optional: requirement.optional,
        lookupCacheSeconds:
          config.subscriptionRegistries?.[requirement.registry]?.lookupCacheSeconds ?? null,
      };
    case 'clientCertificate':
      return describeClientCertificate(requirement);
    default:
      return other();
  }

  function other(): AccessReport {
    return { kind: 'other', requirementKind: kind, raw: requirement };
  }
}

/**
 * Returns the members without repeats. A repeated member changes nothing, and token
 * exchange adds the caller's JWT requirement a second time for its subject token.
 */
function distinct(members: AccessReport[]): AccessReport[] {
  const seen = new Set<string>();
  return members.filter((member) => {
    const key = JSON.stringify(member);
    const repeated = seen.has(key);
    seen.add(key);
    return !repeated;
  });
}

function describeJwt(
  validatorId: string,
  policyClaims: readonly ClaimCheckConfig[],
  config: AuthorizerConfig,
  problems: string[],
): JwtAccessReport | undefined {
  const validator: JwtValidatorConfig | undefined = config.jwtValidators[validatorId];
  if (!validator) {
    problems.push(`validator '${validatorId}' is not in the authorizer config`);
    return undefined;
  }
  return {
    kind: 'jwt',
    validator: validatorId,
    issuers: validator.issuers.map((issuer) =>
      issuer.kind === 'exact'
        ? { exact: issuer.issuer }
        : { pattern: issuer.template, tenants: [...issuer.tenants] },
    ),
    audiences: validator.audiences === null ? null : [...validator.audiences],
    algorithms: [...validator.algorithms],
    keys: describeKeys(validator.keys),
    tokenSources: validator.tokenSources.map((source) => ({ ...source })),
    requiredClaims: [
      ...validator.claims.map((claim) => describeClaim(claim, 'validator')),
      ...policyClaims.map((claim) => describeClaim(claim, 'policy')),
    ],
    requireExpiry: validator.requireExpiry,
    clockSkewSeconds: validator.clockSkewSeconds,
    maxTokenAgeSeconds: validator.maxTokenAgeSeconds ?? null,
    requireCertificateBinding: validator.requireCertificateBinding === true,
    forwardedClaims: validator.forwardClaims.map((forward) => ({ ...forward })),
  };
}

function describeClientCertificate(
  requirement: ClientCertificateRequirement,
): ClientCertificateAccessReport {
  const { crls, ...settings } = requirement.revocation as { crls?: readonly string[] };
  return {
    kind: 'clientCertificate',
    identities: requirement.identities?.map((identity) => ({ ...identity })) ?? null,
    certificateAuthorities: requirement.certificateAuthorities.map(describeCertificate),
    revocation: { ...settings, ...(crls ? { shippedCrls: crls.length } : {}) } as Record<
      string,
      string | number | boolean
    >,
  };
}

/** Returns the subject and SHA-256 fingerprint of a PEM certificate, or a note if invalid. */
function describeCertificate(pem: string): { subject: string; sha256: string } {
  try {
    const certificate = new X509Certificate(pem);
    return {
      subject: certificate.subject.split('\n').join(', '),
      sha256: certificate.fingerprint256.replace(/:/g, ''),
    };
  } catch {
    return { subject: '(not a valid PEM certificate)', sha256: '' };
  }
}

function describeKeys(keys: KeySourceConfig): KeySourceReport {
  if (keys.kind === 'inline') {
    return { kind: 'inline', keyIds: keys.keys.map((key) => String(key.kid ?? '(no kid)')) };
  }
  return { kind: keys.kind, url: keys.url };
}

function describeClaim(claim: ClaimCheckConfig, from: 'validator' | 'policy'): ClaimCheckReport {
  return { claim: claim.claim, values: [...claim.values], match: claim.match, from };
}
