import { CertificateIdentityConfig } from '../config';
import { ParsedCertificate } from './parse';

/** The CA certificate that issued the client certificate, as found in the trust store. */
export interface IssuerInfo {
  readonly sha256: string;
  readonly sha1: string;
}

/**
 * Returns the first identity that the certificate matches, or undefined when none does. An
 * identity matches when every field it sets matches; names compare in canonical form, DNS
 * names case-insensitively, thumbprints and serial numbers as normalized hex.
 */
export function matchIdentity(
  identities: readonly CertificateIdentityConfig[],
  certificate: ParsedCertificate,
  issuer: IssuerInfo,
): CertificateIdentityConfig | undefined {
  return identities.find((identity) => matchesAll(identity, certificate, issuer));
}

function matchesAll(
  identity: CertificateIdentityConfig,
  certificate: ParsedCertificate,
  issuer: IssuerInfo,
): boolean {
  const checks: Array<[string | undefined, (value: string) => boolean]> = [
    [identity.thumbprint, (value) => matchesThumbprint(value, certificate)],
    [identity.serialNumber, (value) => value === certificate.serialNumber],
    [identity.subject, (value) => value === certificate.subjectKey],
    [identity.commonName, (value) => certificate.commonNames.includes(value)],
    [identity.dnsName, (value) => hasDnsName(certificate, value)],
    [identity.issuerSubject, (value) => value === certificate.issuerKey],
    [identity.issuerThumbprint, (value) => matchesThumbprint(value, issuer)],
  ];
  const present = checks.filter(([value]) => value !== undefined);
  return present.length > 0 && present.every(([value, check]) => check(value as string));
}

/** Compares a normalized thumbprint with the SHA-1 or SHA-256 one, chosen by its length. */
function matchesThumbprint(value: string, fingerprints: IssuerInfo): boolean {
  return value.length === 40 ? value === fingerprints.sha1 : value === fingerprints.sha256;
}

function hasDnsName(certificate: ParsedCertificate, value: string): boolean {
  const expected = value.toLowerCase();
  return certificate.dnsNames.some((name) => name.toLowerCase() === expected);
}
