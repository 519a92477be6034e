import { JwtAccessReport } from '../../report/model';
import { LintContext, LintFinding, LintRule, validatorSites, validatorTarget } from '../rule';

type ValidatorSite = ReturnType<typeof validatorSites>[number];

/** JWS algorithms that use a shared secret rather than a key pair. */
const SYMMETRIC = /^HS\d+$/;

export const anyAudience: LintRule = {
  id: 'AnyAudience',
  severity: 'error',
  description: 'A JWT validator accepts tokens issued for any audience.',
  check: (context) =>
    validatorSites(context.report)
      .filter(({ jwt }) => jwt.audiences === null)
      .map(({ gateway, jwt }) => ({
        rule: 'AnyAudience',
        severity: 'error',
        message: `validator ${jwt.validator} accepts tokens for any audience, so a token the issuer minted for another application is accepted here`,
        fix: 'list the audiences this API accepts in audiences, or acknowledge the rule when the issuer mints tokens for this API only',
        target: validatorTarget(gateway, jwt.validator),
      })),
};

export const issuerNotHttps: LintRule = {
  id: 'IssuerNotHttps',
  severity: 'error',
  description: 'A JWT issuer or key URL does not use https.',
  check: (context) =>
    validatorSites(context.report).flatMap(({ gateway, jwt }) =>
      plainUrls(jwt).map((url) => ({
        rule: 'IssuerNotHttps',
        severity: 'error' as const,
        message: `validator ${jwt.validator} trusts ${url}, which is not https, so anyone on the network path can serve its keys or claim its name`,
        fix: 'use the https URL of the issuer and of its discovery or JWKS document',
        target: validatorTarget(gateway, jwt.validator),
      })),
    ),
};

export const mixedAlgorithms: LintRule = {
  id: 'MixedAlgorithms',
  severity: 'error',
  description: 'Symmetric (HMAC) and asymmetric algorithms are accepted for one issuer.',
  check: (context) => {
    // The authorizer of one gateway is where a token meets every validator of an issuer.
    const byIssuer = new Map<string, ValidatorSite[]>();
    for (const site of validatorSites(context.report)) {
      for (const issuer of issuerNames(site.jwt)) {
        const key = JSON.stringify([site.gateway.gateway, issuer]);
        byIssuer.set(key, [...(byIssuer.get(key) ?? []), site]);
      }
    }

    const findings: LintFinding[] = [];
    for (const [key, sites] of byIssuer) {
      const issuer = (JSON.parse(key) as string[])[1];
      const algorithms = [...new Set(sites.flatMap((site) => site.jwt.algorithms))].sort();
      const symmetric = algorithms.filter((algorithm) => SYMMETRIC.test(algorithm));
      if (symmetric.length === 0 || symmetric.length === algorithms.length) {
        continue;
      }
      findings.push({
        rule: 'MixedAlgorithms',
        severity: 'error',
        message: `issuer ${issuer} is accepted with ${algorithms.join(', ')}; mixing HMAC with public-key algorithms lets a token signed with the public key as HMAC secret pass`,
        fix: 'accept only the asymmetric algorithms the issuer signs with',
        target: validatorTarget(sites[0].gateway, sites[0].jwt.validator),
      });
    }
    return findings;
  },
};

export const claimNotEmitted: LintRule = {
  id: 'ClaimNotEmitted',
  severity: 'warning',
  description: 'A required claim is not among the claims its issuer is declared to emit.',
  check: (context: LintContext) =>
    validatorSites(context.report).flatMap(({ gateway, jwt }) => {
      const emitted = context.emittedClaims(jwt.validator);
      if (emitted === undefined) {
        return [];
      }
      const missing = jwt.requiredClaims
        .map((check) => check.claim)
        .filter((claim) => !emitted.includes(claim) && !emitted.includes(claim.split('.')[0]));
      return [...new Set(missing)].map((claim) => ({
        rule: 'ClaimNotEmitted',
        severity: 'warning' as const,
        message: `claim '${claim}' is required of tokens from validator ${jwt.validator}, but its issuer is declared to emit only ${emitted.join(', ')}, so every such token is denied`,
        fix: `check the claim name against the issuer's tokens, or add '${claim}' to the declared claims if the issuer emits it`,
        target: validatorTarget(gateway, jwt.validator),
      }));
    }),
};

function plainUrls(jwt: JwtAccessReport): string[] {
  const issuers = jwt.issuers.map((issuer) => ('exact' in issuer ? issuer.exact : issuer.pattern));
  const keys = jwt.keys.kind === 'inline' ? [] : [jwt.keys.url];
  return [...issuers, ...keys].filter((url) => !url.toLowerCase().startsWith('https://'));
}

function issuerNames(jwt: JwtAccessReport): string[] {
  return jwt.issuers.map((issuer) => ('exact' in issuer ? issuer.exact : issuer.pattern));
}
