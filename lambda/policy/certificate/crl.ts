import { KeyObject, verify } from 'node:crypto';
import {
  DerError,
  Tag,
  children,
  contextTag,
  decodeIntegerHex,
  decodeOid,
  decodeTime,
  expectChildren,
  expectTag,
  readSingle,
} from './der';
import { canonicalName, decodeName } from './names';

/** A certificate revocation list (RFC 5280 section 5) with its signature not yet checked. */
export interface ParsedCrl {
  /** `canonicalName()` of the CRL issuer, matched against a certificate's issuer. */
  readonly issuerKey: string;
  /** Seconds since the epoch. */
  readonly thisUpdate: number;
  /** Seconds since the epoch; absent when the CRL does not say when the next one is due. */
  readonly nextUpdate?: number;
  /** Revoked serial numbers, upper-case hex without leading zeros. */
  readonly revokedSerials: ReadonlySet<string>;
  readonly signedBytes: Buffer;
  readonly signatureAlgorithm: string;
  readonly signature: Buffer;
}

/** Hash used with each supported signature algorithm; `null` for Ed25519, which takes none. */
const SIGNATURE_HASHES: Record<string, string | null> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
  '1.3.101.112': null,
};

/** Parses a DER or PEM CRL; throws `DerError` when it is malformed or truncated. */
export function parseCrl(input: Buffer | string): ParsedCrl {
  const der = typeof input === 'string' ? crlPemToDer(input) : input;
  const [tbs, outerAlgorithm, signatureValue] = expectChildren(
    readSingle(der),
    Tag.SEQUENCE,
    'CRL',
  );
  const fields = expectChildren(tbs, Tag.SEQUENCE, 'tbsCertList');
  const rest = fields[0]?.tag === Tag.INTEGER ? fields.slice(1) : fields;
  const [innerAlgorithm, issuer, thisUpdate, ...optional] = rest;

  const signatureAlgorithm = algorithmOid(outerAlgorithm);
  if (algorithmOid(innerAlgorithm) !== signatureAlgorithm) {
    throw new DerError('invalid CRL: inner and outer signature algorithms differ');
  }
  const isTime = (tag: number | undefined) => tag === Tag.UTC_TIME || tag === Tag.GENERALIZED_TIME;
  const nextUpdate = isTime(optional[0]?.tag) ? optional.shift() : undefined;
  const revoked = optional[0]?.tag === Tag.SEQUENCE ? optional.shift() : undefined;
  if (optional.some((field) => field.tag !== contextTag(0))) {
    throw new DerError('invalid CRL: unexpected field after the revoked certificates');
  }

  const bits = expectTag(signatureValue, Tag.BIT_STRING, 'CRL signature').content;
  return {
    issuerKey: canonicalName(decodeName(issuer)),
    thisUpdate: decodeTime(expectTime(thisUpdate)),
    nextUpdate: nextUpdate && decodeTime(nextUpdate),
    revokedSerials: new Set(
      (revoked ? children(revoked) : []).map((entry) =>
        decodeIntegerHex(expectChildren(entry, Tag.SEQUENCE, 'revoked certificate')[0]),
      ),
    ),
    signedBytes: tbs.raw,
    signatureAlgorithm,
    // A BIT STRING starts with its count of unused bits, which is 0 for signatures.
    signature: bits.subarray(1),
  };
}

/** Returns true when `issuerKey` signed the CRL; throws on an unsupported algorithm. */
export function verifyCrlSignature(crl: ParsedCrl, issuerKey: KeyObject): boolean {
  const hash = SIGNATURE_HASHES[crl.signatureAlgorithm];
  if (hash === undefined) {
    throw new DerError(`CRL signature algorithm ${crl.signatureAlgorithm} is not supported`);
  }
  return verify(hash, crl.signedBytes, issuerKey, crl.signature);
}

/** Converts a `-----BEGIN X509 CRL-----` PEM to DER; returns DER input unchanged. */
export function crlPemToDer(pem: string): Buffer {
  const match = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/.exec(pem);
  if (!match) {
    throw new DerError('CRL PEM contains no complete X509 CRL block');
  }
  return Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
}

function algorithmOid(element: Parameters<typeof children>[0] | undefined): string {
  return decodeOid(expectChildren(element, Tag.SEQUENCE, 'signature algorithm')[0]);
}

function expectTime(element: Parameters<typeof children>[0] | undefined) {
  if (!element || (element.tag !== Tag.UTC_TIME && element.tag !== Tag.GENERALIZED_TIME)) {
    throw new DerError('invalid CRL: thisUpdate is missing or not a time');
  }
  return element;
}
