import type { ChangeSink } from './diff';
import {
  AccessReport,
  ClaimCheckReport,
  ClientCertificateAccessReport,
  IssuerReport,
  JwtAccessReport,
  SubscriptionKeyAccessReport,
} from './model';

/**
 * Compares who may call an operation before and after. A change the comparer can rank,
 * such as an added audience or a removed required claim, is reported as wider or narrower.
 * Any other difference is reported as changed.
 */
export function compareAccess(before: AccessReport, after: AccessReport, sink: ChangeSink): void {
  if (same(before, after)) {
    return;
  }
  if (after.kind === 'anonymous') {
    sink('wider', 'operation made anonymous', `was ${describe(before)}, now anyone may call`);
    return;
  }
  if (before.kind === 'anonymous') {
    sink('narrower', 'credentials now required', `was anonymous, now ${describe(after)}`);
    return;
  }
  if (before.kind === 'jwt' && after.kind === 'jwt') {
    compareJwt(before, after, sink);
    return;
  }
  if (before.kind === 'subscriptionKey' && after.kind === 'subscriptionKey') {
    compareSubscriptionKey(before, after, sink);
    return;
  }
  if (before.kind === 'clientCertificate' && after.kind === 'clientCertificate') {
    compareClientCertificate(before, after, sink);
    return;
  }
  if ((before.kind === 'anyOf' || before.kind === 'allOf') && before.kind === after.kind) {
    compareComposite(before.kind, before.of, after.of, sink);
    return;
  }
  if (compareWrapped(before, after, sink)) {
    return;
  }
  sink('changed', 'access policy changed', `${describe(before)} -> ${describe(after)}`);
}

/** Ranks a policy that was wrapped into, or unwrapped from, an `anyOf` or `allOf`. */
function compareWrapped(before: AccessReport, after: AccessReport, sink: ChangeSink): boolean {
  const contains = (outer: AccessReport, inner: AccessReport) =>
    (outer.kind === 'anyOf' || outer.kind === 'allOf') &&
    outer.of.some((member) => same(member, inner));

  if (contains(after, before)) {
    const wider = after.kind === 'anyOf';
    sink(
      wider ? 'wider' : 'narrower',
      wider ? 'alternative added' : 'requirement added',
      `${describe(before)} -> ${describe(after)}`,
    );
    return true;
  }
  if (contains(before, after)) {
    const wider = before.kind === 'allOf';
    sink(
      wider ? 'wider' : 'narrower',
      wider ? 'requirement removed' : 'alternative removed',
      `${describe(before)} -> ${describe(after)}`,
    );
    return true;
  }
  return false;
}

function compareComposite(
  kind: 'anyOf' | 'allOf',
  before: AccessReport[],
  after: AccessReport[],
  sink: ChangeSink,
): void {
  if (before.length === after.length) {
    before.forEach((member, index) => compareAccess(member, after[index], sink));
    return;
  }
  const added = after.filter((member) => !before.some((old) => same(old, member)));
  const removed = before.filter((member) => !after.some((now) => same(now, member)));
  // More alternatives, or fewer requirements, let more callers in.
  for (const member of added) {
    const wider = kind === 'anyOf';
    sink(
      wider ? 'wider' : 'narrower',
      wider ? 'alternative added' : 'requirement added',
      describe(member),
    );
  }
  for (const member of removed) {
    const wider = kind === 'allOf';
    sink(
      wider ? 'wider' : 'narrower',
      wider ? 'requirement removed' : 'alternative removed',
      describe(member),
    );
  }
}

function compareJwt(before: JwtAccessReport, after: JwtAccessReport, sink: ChangeSink): void {
  compareSets(
    'issuer',
    before.issuers.flatMap(issuerNames),
    after.issuers.flatMap(issuerNames),
    sink,
  );
  compareAudiences(before.audiences, after.audiences, sink);
  compareSets('algorithm', before.algorithms, after.algorithms, sink);
  compareSets(
    'token source',
    before.tokenSources.map((source) => JSON.stringify(source)),
    after.tokenSources.map((source) => JSON.stringify(source)),
    sink,
  );
  compareKeys(before, after, sink);
  compareClaims(before.requiredClaims, after.requiredClaims, sink);

  if (before.requireExpiry && !after.requireExpiry) {
    sink('wider', 'expiry no longer required', 'tokens without exp are accepted');
  }
  if (!before.requireExpiry && after.requireExpiry) {
    sink('narrower', 'expiry now required', 'tokens without exp are rejected');
  }
  if (before.requireCertificateBinding && !after.requireCertificateBinding) {
    sink('wider', 'certificate binding no longer required', 'tokens work from any connection');
  }
  if (!before.requireCertificateBinding && after.requireCertificateBinding) {
    sink('narrower', 'certificate binding now required', 'tokens work only with their certificate');
  }
  compareNumber('clock skew', before.clockSkewSeconds, after.clockSkewSeconds, sink);
  compareNumber(
    'maximum token age',
    before.maxTokenAgeSeconds ?? Infinity,
    after.maxTokenAgeSeconds ?? Infinity,
    sink,
  );
  if (JSON.stringify(before.forwardedClaims) !== JSON.stringify(after.forwardedClaims)) {
    sink(
      'changed',
      'forwarded claims changed',
      `${JSON.stringify(before.forwardedClaims)} -> ${JSON.stringify(after.forwardedClaims)}`,
    );
  }
}

function compareSubscriptionKey(
  before: SubscriptionKeyAccessReport,
  after: SubscriptionKeyAccessReport,
  sink: ChangeSink,
): void {
  if (!before.optional && after.optional) {
    sink('wider', 'subscription key made optional', 'requests without a key now pass');
  }
  if (before.optional && !after.optional) {
    sink('narrower', 'subscription key now required', 'requests without a key are now denied');
  }
  if (before.queryParameter !== after.queryParameter) {
    const show = (name: string | null) => (name ? `query parameter ${name}` : 'header only');
    const direction = after.queryParameter && !before.queryParameter ? 'wider' : 'changed';
    sink(
      direction,
      'subscription key location changed',
      `${show(before.queryParameter)} -> ${show(after.queryParameter)}`,
    );
  }
  if (before.header !== after.header) {
    sink('changed', 'subscription key header changed', `${before.header} -> ${after.header}`);
  }
  compareNumber(
    'registry lookup cache',
    before.lookupCacheSeconds ?? 0,
    after.lookupCacheSeconds ?? 0,
    sink,
  );
}

function compareClientCertificate(
  before: ClientCertificateAccessReport,
  after: ClientCertificateAccessReport,
  sink: ChangeSink,
): void {
  const names = (report: ClientCertificateAccessReport) =>
    (report.identities ?? []).map((identity) => JSON.stringify(identity));
  if (before.identities !== null && after.identities === null) {
    sink(
      'wider',
      'any certificate identity accepted',
      'every certificate of the trust store passes',
    );
  } else if (before.identities === null && after.identities !== null) {
    sink('narrower', 'certificate identities now checked', names(after).join(', '));
  } else {
    compareSets('certificate identity', names(before), names(after), sink);
  }
  compareSets(
    'certificate authority',
    before.certificateAuthorities.map((authority) => `${authority.subject} (${authority.sha256})`),
    after.certificateAuthorities.map((authority) => `${authority.subject} (${authority.sha256})`),
    sink,
  );
  const oldRevocation = JSON.stringify(before.revocation);
  const newRevocation = JSON.stringify(after.revocation);
  if (oldRevocation !== newRevocation) {
    const checksDropped = before.revocation.mode !== 'none' && after.revocation.mode === 'none';
    const failsOpen = after.revocation.failOpen === true && before.revocation.failOpen !== true;
    const direction = checksDropped || failsOpen ? 'wider' : 'changed';
    sink(direction, 'revocation checking changed', `${oldRevocation} -> ${newRevocation}`);
  }
}

function compareAudiences(before: string[] | null, after: string[] | null, sink: ChangeSink): void {
  if (before !== null && after === null) {
    sink('wider', 'any audience accepted', `was ${before.join(', ')}`);
    return;
  }
  if (before === null && after !== null) {
    sink('narrower', 'audience now checked', `now ${after.join(', ')}`);
    return;
  }
  compareSets('audience', before ?? [], after ?? [], sink);
}

function compareKeys(before: JwtAccessReport, after: JwtAccessReport, sink: ChangeSink): void {
  const oldKeys = before.keys;
  const newKeys = after.keys;
  if (oldKeys.kind === 'inline' && newKeys.kind === 'inline') {
    compareSets('inline key', oldKeys.keyIds, newKeys.keyIds, sink);
    return;
  }
  if (JSON.stringify(oldKeys) !== JSON.stringify(newKeys)) {
    sink(
      'changed',
      'key source changed',
      `${JSON.stringify(oldKeys)} -> ${JSON.stringify(newKeys)}`,
    );
  }
}

/**
 * Compares required claims by name. Fewer values under `all`, more values under `any`, or a
 * switch from `all` to `any` let more tokens through.
 */
function compareClaims(
  before: ClaimCheckReport[],
  after: ClaimCheckReport[],
  sink: ChangeSink,
): void {
  const names = [...new Set([...before, ...after].map((check) => check.claim))].sort();
  for (const name of names) {
    const oldChecks = before.filter((check) => check.claim === name);
    const newChecks = after.filter((check) => check.claim === name);
    if (JSON.stringify(oldChecks.map(effect)) === JSON.stringify(newChecks.map(effect))) {
      continue;
    }
    if (newChecks.length === 0) {
      sink(
        'wider',
        'required claim removed',
        `${name} (${oldChecks.map(describeClaim).join('; ')})`,
      );
    } else if (oldChecks.length === 0) {
      sink(
        'narrower',
        'required claim added',
        `${name} (${newChecks.map(describeClaim).join('; ')})`,
      );
    } else if (oldChecks.length === 1 && newChecks.length === 1) {
      compareClaimValues(oldChecks[0], newChecks[0], sink);
    } else {
      sink(
        'changed',
        'required claim changed',
        `${name}: ${oldChecks.map(describeClaim).join('; ')} -> ${newChecks.map(describeClaim).join('; ')}`,
      );
    }
  }
}

function compareClaimValues(
  before: ClaimCheckReport,
  after: ClaimCheckReport,
  sink: ChangeSink,
): void {
  const detail = `${before.claim}: ${describeClaim(before)} -> ${describeClaim(after)}`;
  const added = after.values.filter((value) => !before.values.includes(value));
  const removed = before.values.filter((value) => !after.values.includes(value));
  if (before.match !== after.match) {
    const matchWider = after.match === 'any' && added.length === 0;
    const matchNarrower = after.match === 'all' && removed.length === 0;
    if (matchWider || matchNarrower) {
      sink(matchWider ? 'wider' : 'narrower', 'required claim match changed', detail);
    } else {
      sink('changed', 'required claim changed', detail);
    }
    return;
  }
  // Under `all` a token needs every value, so fewer values is wider; under `any` it is
  // the other way round.
  const fewerIsWider = before.match === 'all';
  if (added.length > 0 && removed.length > 0) {
    sink('changed', 'required claim values changed', detail);
  } else if (removed.length > 0) {
    sink(fewerIsWider ? 'wider' : 'narrower', 'required claim value removed', detail);
  } else {
    sink(fewerIsWider ? 'narrower' : 'wider', 'required claim value added', detail);
  }
}

function compareSets(noun: string, before: string[], after: string[], sink: ChangeSink): void {
  const added = after.filter((item) => !before.includes(item));
  const removed = before.filter((item) => !after.includes(item));
  if (added.length > 0) {
    sink('wider', `${noun} added`, added.join(', '));
  }
  if (removed.length > 0) {
    sink('narrower', `${noun} removed`, removed.join(', '));
  }
}

/** Reports a numeric limit where a larger value accepts more tokens. */
function compareNumber(noun: string, before: number, after: number, sink: ChangeSink): void {
  const show = (value: number) => (value === Infinity ? 'none' : `${value} s`);
  if (after > before) {
    sink('wider', `${noun} raised`, `${show(before)} -> ${show(after)}`);
  }
  if (after < before) {
    sink('narrower', `${noun} lowered`, `${show(before)} -> ${show(after)}`);
  }
}

function issuerNames(issuer: IssuerReport): string[] {
  if ('exact' in issuer) {
    return [issuer.exact];
  }
  return issuer.tenants.map((tenant) => issuer.pattern.replace('{tenant}', tenant));
}

/** Returns the part of a claim check that decides access, leaving out where it was declared. */
function effect(check: ClaimCheckReport): string {
  return JSON.stringify([check.match, [...check.values].sort()]);
}

function describeClaim(check: ClaimCheckReport): string {
  return `${check.match} of ${check.values.join(', ')}`;
}

/** Returns a short description of a requirement for change details. */
export function describe(access: AccessReport): string {
  switch (access.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'jwt':
      return `JWT (validator ${access.validator})`;
    case 'allOf':
    case 'anyOf':
      return `${access.kind}(${access.of.map(describe).join(', ')})`;
    case 'basic':
      return `Basic (${access.userStore})`;
    case 'subscriptionKey':
      return access.optional ? 'optional subscription key' : 'subscription key';
    case 'clientCertificate':
      return 'client certificate';
    case 'other':
      return access.requirementKind;
  }
}

function same(a: AccessReport, b: AccessReport): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
