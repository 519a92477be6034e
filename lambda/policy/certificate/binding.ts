import { timingSafeEqual } from 'node:crypto';
import { AccessDenied } from '../failure';
import { parseCertificatePemCached } from './parse';

/**
 * Checks an RFC 8705 certificate-bound token: the `cnf["x5t#S256"]` claim must equal the
 * base64url SHA-256 thumbprint of the client certificate presented on the same connection.
 * Throws `AccessDenied` (401) when the claim is missing, no certificate was presented, or
 * the two differ. The messages never contain the thumbprints.
 */
export function checkCertificateBinding(
  payload: Readonly<Record<string, unknown>>,
  clientCertificatePem: string | undefined,
): void {
  const confirmation = payload.cnf;
  const bound =
    typeof confirmation === 'object' && confirmation !== null
      ? (confirmation as Record<string, unknown>)['x5t#S256']
      : undefined;
  if (typeof bound !== 'string' || bound === '') {
    throw new AccessDenied(
      'TOKEN_NOT_CERTIFICATE_BOUND',
      401,
      'token has no cnf["x5t#S256"] claim, but this validator requires certificate-bound tokens',
    );
  }
  if (clientCertificatePem === undefined || clientCertificatePem === '') {
    throw new AccessDenied(
      'CLIENT_CERTIFICATE_MISSING',
      401,
      'token is certificate-bound, but the request carries no client certificate',
    );
  }

  let presented: string;
  try {
    presented = parseCertificatePemCached(clientCertificatePem).x5tS256;
  } catch (error) {
    throw new AccessDenied('CLIENT_CERTIFICATE_INVALID', 401, (error as Error).message, {
      cause: error,
    });
  }
  const expected = Buffer.from(bound);
  const actual = Buffer.from(presented);
  const same = expected.length === actual.length && timingSafeEqual(expected, actual);
  if (!same) {
    throw new AccessDenied(
      'CERTIFICATE_BINDING_MISMATCH',
      401,
      'token cnf["x5t#S256"] does not match the thumbprint of the presented client certificate',
    );
  }
}
