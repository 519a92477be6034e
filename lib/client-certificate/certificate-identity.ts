import { IConstruct } from 'constructs';
import { CertificateIdentityConfig } from '../../lambda/policy/config';
import { normalizeSerialHex } from '../../lambda/policy/certificate/der';
import { canonicalName, parseDistinguishedName } from '../../lambda/policy/certificate/names';
import { GatehouseValidationError } from '../core/errors';

/**
 * One allowed client certificate identity. Every field you set must match; set several to
 * narrow it, such as an issuer plus a common name.
 *
 * @example
 * { issuerSubject: 'CN=Partner Devices CA,O=Partner Ltd', commonName: 'kiosk-17', consumerId: 'partner-ltd' }
 */
export interface CertificateIdentity {
  /** SHA-256 or SHA-1 thumbprint of the certificate, hex in any case, with or without colons. */
  readonly thumbprint?: string;
  /** Serial number in hex, in any case, with or without colons and leading zeros. */
  readonly serialNumber?: string;
  /**
   * Subject distinguished name, such as `CN=kiosk-17,O=Partner Ltd`. Attribute order and case
   * do not matter; escape a comma inside a value as `\,`.
   */
  readonly subject?: string;
  /** A common name (CN) of the subject. */
  readonly commonName?: string;
  /** A `dNSName` in the subject alternative name extension, compared case-insensitively. */
  readonly dnsName?: string;
  /** Distinguished name of the issuing CA. */
  readonly issuerSubject?: string;
  /** SHA-256 or SHA-1 thumbprint of the issuing CA certificate. */
  readonly issuerThumbprint?: string;
  /**
   * Consumer that this identity belongs to. The authorizer sends it to the backend as the
   * `consumerId` context value and uses it as the principal id.
   *
   * @default - the principal id is the certificate's subject DN and no consumer id is sent
   */
  readonly consumerId?: string;
}

/** Checks one identity and converts it to the authorizer's config format. */
export function compileIdentity(
  identity: CertificateIdentity,
  index: number,
  scope: IConstruct,
): CertificateIdentityConfig {
  const where = `allowedIdentities[${index}]`;
  const compiled: CertificateIdentityConfig = {
    thumbprint: optional(identity.thumbprint, (value) =>
      normalizeThumbprint(value, `${where}.thumbprint`, scope),
    ),
    serialNumber: optional(identity.serialNumber, (value) =>
      normalizeSerial(value, `${where}.serialNumber`, scope),
    ),
    subject: optional(identity.subject, (value) => normalizeName(value, `${where}.subject`, scope)),
    commonName: optional(identity.commonName, (value) =>
      nonEmpty(value, `${where}.commonName`, scope),
    ),
    dnsName: optional(identity.dnsName, (value) =>
      nonEmpty(value, `${where}.dnsName`, scope).toLowerCase(),
    ),
    issuerSubject: optional(identity.issuerSubject, (value) =>
      normalizeName(value, `${where}.issuerSubject`, scope),
    ),
    issuerThumbprint: optional(identity.issuerThumbprint, (value) =>
      normalizeThumbprint(value, `${where}.issuerThumbprint`, scope),
    ),
    consumerId: optional(identity.consumerId, (value) =>
      nonEmpty(value, `${where}.consumerId`, scope),
    ),
  };

  const matchers = Object.entries(compiled).filter(
    ([key, value]) => key !== 'consumerId' && value !== undefined,
  );
  if (matchers.length === 0) {
    throw new GatehouseValidationError(
      'EmptyCertificateIdentity',
      `${where} must set at least one of thumbprint, serialNumber, subject, commonName, dnsName, issuerSubject or issuerThumbprint, got none`,
      scope,
    );
  }
  return Object.fromEntries(
    Object.entries(compiled).filter(([, value]) => value !== undefined),
  ) as CertificateIdentityConfig;
}

/** Upper-cases a thumbprint and strips colons and spaces; throws unless it is SHA-1 or SHA-256. */
export function normalizeThumbprint(value: string, prop: string, scope: IConstruct): string {
  const hex = value.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex) || (hex.length !== 40 && hex.length !== 64)) {
    throw new GatehouseValidationError(
      'InvalidThumbprint',
      `${prop} must be a SHA-256 (64 hex digits) or SHA-1 (40 hex digits) thumbprint, got '${value}'`,
      scope,
    );
  }
  return hex;
}

function normalizeSerial(value: string, prop: string, scope: IConstruct): string {
  const hex = value.replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]+$/.test(hex)) {
    throw new GatehouseValidationError(
      'InvalidSerialNumber',
      `${prop} must be a hex serial number, got '${value}'`,
      scope,
    );
  }
  return normalizeSerialHex(hex);
}

function normalizeName(value: string, prop: string, scope: IConstruct): string {
  try {
    return canonicalName(parseDistinguishedName(value));
  } catch (error) {
    throw new GatehouseValidationError(
      'InvalidDistinguishedName',
      `${prop} must be a distinguished name such as 'CN=device-1,O=Example Ltd', got '${value}': ${(error as Error).message}`,
      scope,
    );
  }
}

function nonEmpty(value: string, prop: string, scope: IConstruct): string {
  if (value.trim() === '') {
    throw new GatehouseValidationError('EmptyValue', `${prop} must not be empty`, scope);
  }
  return value.trim();
}

function optional<T>(value: string | undefined, convert: (value: string) => T): T | undefined {
  return value === undefined ? undefined : convert(value);
}
