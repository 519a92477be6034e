import { ClientCertificateRequirement } from '../config';
import { AuthorizerContext, EvaluationContext, Grant } from '../evaluator';
import { AccessDenied } from '../failure';
import { matchIdentity } from './identity';
import { formatName } from './names';
import {
  ParsedCertificate,
  parseCertificateDer,
  parseCertificatePemCached,
  pemToDerList,
} from './parse';
import { checkRevocation } from './revocation';

/** Trust store certificates parsed once per config array. */
const authorityCache = new WeakMap<readonly string[], ParsedCertificate[]>();
/** Issuer found for each certificate, by trust store and then by the certificate's SHA-256. */
const ISSUER_CACHE_SIZE = 1024;
const issuerCache = new WeakMap<readonly string[], Map<string, ParsedCertificate | null>>();

/**
 * Evaluates a `clientCertificate` requirement against the certificate API Gateway passed
 * from the mutual TLS handshake. Checks run in order: present and well formed (else 401),
 * inside its validity window, issued by a CA of the trust store, not revoked, and matching
 * an allowed identity (else 403). A match grants the identity's consumer id as principal.
 */
export async function evaluateClientCertificate(
  requirement: ClientCertificateRequirement,
  context: EvaluationContext,
): Promise<Grant> {
  const certificate = await context.memo('clientCertificate', async () =>
    readCertificate(context.request.clientCertificate?.pem),
  );
  const now = context.request.now;

  if (now < certificate.notBefore) {
    throw new AccessDenied(
      'CERTIFICATE_NOT_YET_VALID',
      403,
      `client certificate serial ${certificate.serialNumber} is valid from ${certificate.x509.validFrom}`,
    );
  }
  if (now > certificate.notAfter) {
    throw new AccessDenied(
      'CERTIFICATE_EXPIRED',
      403,
      `client certificate serial ${certificate.serialNumber} expired at ${certificate.x509.validTo}`,
    );
  }

  const issuer = findIssuer(requirement.certificateAuthorities, certificate);
  if (issuer === undefined) {
    throw new AccessDenied(
      'CERTIFICATE_ISSUER_UNKNOWN',
      403,
      `client certificate issuer ${formatName(certificate.issuer)} is not a CA of the trust store`,
    );
  }

  await checkRevocation(certificate, issuer.x509, requirement.revocation, now);

  const identity =
    requirement.identities === null
      ? {}
      : matchIdentity(requirement.identities, certificate, issuer);
  if (identity === undefined) {
    throw new AccessDenied(
      'CERTIFICATE_NOT_ALLOWED',
      403,
      `client certificate ${formatName(certificate.subject)} (serial ${certificate.serialNumber}) matches no allowed identity`,
    );
  }

  const grantContext: AuthorizerContext = {
    clientCertSubject: formatName(certificate.subject),
    clientCertIssuer: formatName(certificate.issuer),
    clientCertSerialNumber: certificate.serialNumber,
  };
  if (identity.consumerId !== undefined) {
    grantContext.consumerId = identity.consumerId;
  }
  return {
    principalId: identity.consumerId ?? formatName(certificate.subject),
    context: grantContext,
  };
}

function readCertificate(pem: string | undefined): ParsedCertificate {
  if (pem === undefined || pem.trim() === '') {
    throw new AccessDenied(
      'CLIENT_CERTIFICATE_MISSING',
      401,
      'request carries no client certificate; mutual TLS may be off for this domain',
    );
  }
  try {
    return parseCertificatePemCached(pem);
  } catch (error) {
    throw new AccessDenied('CLIENT_CERTIFICATE_INVALID', 401, (error as Error).message, {
      cause: error,
    });
  }
}

/** Returns the trust store CA whose subject is the certificate's issuer and whose key signed it. */
function findIssuer(
  authorities: readonly string[],
  certificate: ParsedCertificate,
): ParsedCertificate | undefined {
  let parsed = authorityCache.get(authorities);
  if (parsed === undefined) {
    parsed = authorities.flatMap((pem) => pemToDerList(pem).map(parseCertificateDer));
    authorityCache.set(authorities, parsed);
  }
  let found = issuerCache.get(authorities);
  if (found === undefined) {
    found = new Map();
    issuerCache.set(authorities, found);
  }

  // A signature check per request would cost as much as the parse, so its result is kept
  // for the certificate's thumbprint, which changes with any byte of the certificate.
  const known = found.get(certificate.sha256);
  if (known !== undefined) return known ?? undefined;
  const issuer = parsed.find(
    (authority) =>
      authority.x509.ca &&
      authority.subjectKey === certificate.issuerKey &&
      certificate.x509.verify(authority.x509.publicKey),
  );
  if (found.size >= ISSUER_CACHE_SIZE) found.clear();
  found.set(certificate.sha256, issuer ?? null);
  return issuer;
}
