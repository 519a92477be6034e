import { AccessReport } from '../report/model';

/** Returns true when a request with no credentials at all passes the requirement. */
export function allowsAnonymous(access: AccessReport): boolean {
  switch (access.kind) {
    case 'anonymous':
      return true;
    case 'subscriptionKey':
      return access.optional;
    case 'allOf':
      return access.of.every(allowsAnonymous);
    case 'anyOf':
      return access.of.some(allowsAnonymous);
    default:
      return false;
  }
}

/**
 * Returns true when every way in proves who the caller is with a credential: a token,
 * Basic credentials or a client certificate. A subscription key identifies a client for
 * metering; it is a shared secret that leaks with any request log, so it does not count.
 * A kind this version does not know is assumed to authenticate.
 */
export function authenticatesCaller(access: AccessReport): boolean {
  switch (access.kind) {
    case 'anonymous':
    case 'subscriptionKey':
      return false;
    case 'allOf':
      return access.of.some(authenticatesCaller);
    case 'anyOf':
      return access.of.length > 0 && access.of.every(authenticatesCaller);
    default:
      return true;
  }
}

/**
 * Returns the request inputs outside any identity source that a decision reads: the client
 * certificate, through certificate rules or certificate-bound tokens.
 */
// NOTE: no requirement reads the caller's address yet; when one lands, return it here too.
export function uncacheableInputs(access: AccessReport): string[] {
  switch (access.kind) {
    case 'clientCertificate':
      return ['client certificate'];
    case 'jwt':
      return access.requireCertificateBinding ? ['client certificate (bound token)'] : [];
    case 'allOf':
    case 'anyOf':
      return [...new Set(access.of.flatMap(uncacheableInputs))];
    default:
      return [];
  }
}

/** HTTP methods that change state on the backend; `ANY` includes them. */
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'ANY']);

export function changesState(method: string): boolean {
  return STATE_CHANGING.has(method.toUpperCase());
}

/** Returns the subscription key requirements inside an access tree. */
export function subscriptionKeys(
  access: AccessReport,
): Extract<AccessReport, { kind: 'subscriptionKey' }>[] {
  if (access.kind === 'subscriptionKey') {
    return [access];
  }
  if (access.kind === 'allOf' || access.kind === 'anyOf') {
    return access.of.flatMap(subscriptionKeys);
  }
  return [];
}
