import { X509Certificate, createHash } from 'node:crypto';
import {
  DerElement,
  Tag,
  children,
  contextTag,
  decodeIntegerHex,
  decodeOid,
  expectChildren,
  readSingle,
} from './der';
import { NameAttribute, canonicalName, decodeName } from './names';

/** Largest PEM the parser reads; a client certificate is a few kilobytes. */
export const MAX_CERTIFICATE_PEM_LENGTH = 64 * 1024;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
const OID_SUBJECT_ALT_NAME = '2.5.29.17';
const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';

/** A certificate with the fields the identity rules and revocation checks read. */
export interface ParsedCertificate {
  readonly x509: X509Certificate;
  /** SHA-256 thumbprint of the DER, upper-case hex without colons. */
  readonly sha256: string;
  /** SHA-1 thumbprint of the DER, upper-case hex without colons. */
  readonly sha1: string;
  /** SHA-256 thumbprint in base64url, as RFC 8705 puts it in `cnf["x5t#S256"]`. */
  readonly x5tS256: string;
  /** Serial number, upper-case hex without leading zeros. */
  readonly serialNumber: string;
  readonly subject: readonly NameAttribute[];
  readonly issuer: readonly NameAttribute[];
  /** `canonicalName(issuer)`, the key CRLs and CA certificates are looked up by. */
  readonly issuerKey: string;
  readonly subjectKey: string;
  readonly commonNames: readonly string[];
  /** `dNSName` entries of the subject alternative name extension. */
  readonly dnsNames: readonly string[];
  /** HTTP(S) URLs from the CRL distribution points extension. */
  readonly crlUrls: readonly string[];
  /** Validity window in seconds since the epoch. */
  readonly notBefore: number;
  readonly notAfter: number;
}

export class CertificateParseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertificateParseError';
  }
}

/** Splits a PEM bundle into DER certificates; throws when it contains none or is malformed. */
export function pemToDerList(pem: string): Buffer[] {
  if (pem.length > MAX_CERTIFICATE_PEM_LENGTH * 16) {
    throw new CertificateParseError(
      `PEM is ${pem.length} characters, more than ${MAX_CERTIFICATE_PEM_LENGTH * 16}`,
    );
  }
  const blocks = [...pem.matchAll(PEM_BLOCK)].map((match) => match[1].replace(/\s+/g, ''));
  if (blocks.length === 0) {
    throw new CertificateParseError('PEM contains no complete CERTIFICATE block');
  }
  return blocks.map((body, index) => {
    const der = Buffer.from(body, 'base64');
    if (der.toString('base64') !== body) {
      throw new CertificateParseError(`certificate ${index + 1} of the PEM is not valid base64`);
    }
    return der;
  });
}

/** Parses the first certificate of a PEM string; throws `CertificateParseError` when malformed. */
export function parseCertificatePem(pem: string): ParsedCertificate {
  if (pem.length > MAX_CERTIFICATE_PEM_LENGTH) {
    throw new CertificateParseError(
      `certificate PEM is ${pem.length} characters, more than ${MAX_CERTIFICATE_PEM_LENGTH}`,
    );
  }
  return parseCertificateDer(pemToDerList(pem)[0]);
}

/** Certificates a warm instance keeps parsed, so a returning client skips the X.509 parse. */
const PARSED_CACHE_SIZE = 256;
const parsedByPem = new Map<string, ParsedCertificate>();

/**
 * Parses like `parseCertificatePem`, but reuses the result for a PEM seen recently. Building
 * a node:crypto `X509Certificate` dominates the cost of a certificate decision, and the same
 * client sends the same certificate on every request. Failures are not cached.
 */
export function parseCertificatePemCached(pem: string): ParsedCertificate {
  const cached = parsedByPem.get(pem);
  if (cached !== undefined) {
    // Re-insert so that the Map's insertion order tracks recent use.
    parsedByPem.delete(pem);
    parsedByPem.set(pem, cached);
    return cached;
  }

  const parsed = parseCertificatePem(pem);
  parsedByPem.set(pem, parsed);
  if (parsedByPem.size > PARSED_CACHE_SIZE) {
    const oldest = parsedByPem.keys().next().value as string;
    parsedByPem.delete(oldest);
  }
  return parsed;
}

/** Parses one DER certificate; throws `CertificateParseError` when malformed. */
export function parseCertificateDer(der: Buffer): ParsedCertificate {
  try {
    const x509 = new X509Certificate(der);
    const tbs = readTbsCertificate(der);
    const extensions = readExtensions(tbs.extensions);
    const subject = decodeName(tbs.subject);
    const issuer = decodeName(tbs.issuer);
    const sha256 = createHash('sha256').update(der).digest();

    return {
      x509,
      sha256: sha256.toString('hex').toUpperCase(),
      sha1: createHash('sha1').update(der).digest('hex').toUpperCase(),
      x5tS256: sha256.toString('base64url'),
      serialNumber: decodeIntegerHex(tbs.serial),
      subject,
      issuer,
      issuerKey: canonicalName(issuer),
      subjectKey: canonicalName(subject),
      commonNames: subject.filter((a) => a.type === 'CN').map((a) => a.value),
      dnsNames: generalNames(extensions.get(OID_SUBJECT_ALT_NAME), 0x82),
      crlUrls: distributionPointUrls(extensions.get(OID_CRL_DISTRIBUTION_POINTS)),
      notBefore: Date.parse(x509.validFrom) / 1000,
      notAfter: Date.parse(x509.validTo) / 1000,
    };
  } catch (error) {
    if (error instanceof CertificateParseError) throw error;
    throw new CertificateParseError(`certificate is malformed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

interface TbsFields {
  readonly serial: DerElement;
  readonly issuer: DerElement;
  readonly subject: DerElement;
  readonly extensions?: DerElement;
}

function readTbsCertificate(der: Buffer): TbsFields {
  const [tbs] = expectChildren(readSingle(der), Tag.SEQUENCE, 'certificate');
  const fields = expectChildren(tbs, Tag.SEQUENCE, 'tbsCertificate');
  // The version is an optional [0] EXPLICIT field; v1 certificates leave it out.
  const rest = fields[0]?.tag === contextTag(0) ? fields.slice(1) : fields;
  const [serial, , issuer, , subject] = rest;
  return {
    serial,
    issuer,
    subject,
    extensions: rest.slice(6).find((field) => field.tag === contextTag(3)),
  };
}

/** Returns each extension's value (the inner DER of its OCTET STRING) by OID. */
function readExtensions(wrapper: DerElement | undefined): Map<string, DerElement> {
  const byOid = new Map<string, DerElement>();
  if (!wrapper) return byOid;
  const [list] = children(wrapper);
  for (const extension of expectChildren(list, Tag.SEQUENCE, 'extensions')) {
    const parts = expectChildren(extension, Tag.SEQUENCE, 'extension');
    const value = parts[parts.length - 1];
    if (value?.tag !== Tag.OCTET_STRING) continue;
    byOid.set(decodeOid(parts[0]), readSingle(value.content));
  }
  return byOid;
}

/** Returns the GeneralName entries with one implicit tag, such as 0x82 for dNSName. */
function generalNames(names: DerElement | undefined, tag: number): string[] {
  if (!names) return [];
  return children(names)
    .filter((name) => name.tag === tag)
    .map((name) => name.content.toString('latin1'));
}

function distributionPointUrls(extension: DerElement | undefined): string[] {
  if (!extension) return [];
  const urls: string[] = [];
  for (const point of expectChildren(extension, Tag.SEQUENCE, 'CRL distribution points')) {
    const pointName = children(point).find((part) => part.tag === contextTag(0));
    const fullName = pointName && children(pointName).find((part) => part.tag === contextTag(0));
    urls.push(...generalNames(fullName, 0x86).filter((url) => /^https?:\/\//i.test(url)));
  }
  return urls;
}
