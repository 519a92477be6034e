/**
 * Client certificates for the certificate-rule benchmark. openssl makes a CA and one leaf of
 * each kind the comparison needs. node:crypto then turns the valid leaf into as many distinct
 * certificates as the benchmark sends, each with a new serial number and signed again by the
 * CA, because running openssl thousands of times would take minutes.
 */
import { KeyObject, X509Certificate, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { CertificateLab, TestCa, daysFromNow } from '../../test/support/certificates';
import { CLIENT_DNS_NAME } from './hot-path-config';

/** Certificates of one CA: valid ones on demand, and one of each kind that must be denied. */
export interface CertificateFixture {
  /** PEM of the CA, the whole trust store of the benchmark. */
  readonly authorityPem: string;
  /** DER CRL of the CA in base64; it lists `revokedPem` only. */
  readonly crlBase64: string;
  /** A valid leaf with the allowed DNS name. */
  readonly validPem: string;
  readonly revokedPem: string;
  readonly expiredPem: string;
  /** A leaf with the allowed DNS name from a CA outside the trust store. */
  readonly otherAuthorityPem: string;
  /** A leaf of the CA whose DNS name is not allowed. */
  readonly wrongNamePem: string;
  /** Returns `count` new valid certificates that differ from `validPem` in serial and signature. */
  variants(count: number): string[];
  /** Removes the openssl working folder. */
  dispose(): void;
}

/** Makes the CA and leaves with openssl; takes a few seconds. */
export function makeCertificateFixture(): CertificateFixture {
  const lab = new CertificateLab();
  try {
    const authority = lab.rootCa({
      subject: [
        ['CN', 'Bench Partner CA'],
        ['O', 'Bench Partner'],
      ],
    });
    const leaf = (name: string, options: { notBefore?: Date; notAfter?: Date; ca?: TestCa } = {}) =>
      (options.ca ?? authority).issue({
        subject: [
          ['CN', name],
          ['O', 'Bench Partner'],
        ],
        dnsNames: [name === 'wrong-name' ? 'other.bench.example' : CLIENT_DNS_NAME],
        notBefore: options.notBefore,
        notAfter: options.notAfter,
      });

    const valid = leaf('device');
    const revoked = leaf('revoked');
    authority.revoke(revoked);
    const crl = authority.crl();
    const outsider = lab.rootCa({
      subject: [
        ['CN', 'Outside CA'],
        ['O', 'Elsewhere'],
      ],
    });
    const caKey = createPrivateKey(authority.certificate.keyPem);
    return {
      authorityPem: authority.pem,
      crlBase64: crl.der.toString('base64'),
      validPem: valid.pem,
      revokedPem: revoked.pem,
      expiredPem: leaf('expired', { notBefore: daysFromNow(-60), notAfter: daysFromNow(-1) }).pem,
      otherAuthorityPem: leaf('outsider', { ca: outsider }).pem,
      wrongNamePem: leaf('wrong-name').pem,
      variants: (count) => Array.from({ length: count }, () => resign(valid.der, caKey)),
      dispose: () => lab.dispose(),
    };
  } catch (error) {
    lab.dispose();
    throw error;
  }
}

/**
 * Returns the certificate `der` with a new random serial number of the same length, signed
 * again with `caKey`, as PEM. The signature algorithm field is kept, so the CA must sign with
 * SHA-256, which is what `test/support/certificates.ts` configures.
 */
export function resign(der: Buffer, caKey: KeyObject): string {
  const outer = readHeader(der, 0);
  const tbs = readHeader(der, outer.contentStart);
  const algorithm = readHeader(der, tbs.end);
  const tbsBytes = Buffer.from(der.subarray(tbs.start, tbs.end));

  // tbsCertificate starts with the [0] version, then the serial number INTEGER.
  const version = readHeader(tbsBytes, tbs.contentStart - tbs.start);
  const serial = readHeader(tbsBytes, version.end);
  const fresh = randomBytes(serial.end - serial.contentStart);
  // A first byte from 0x01 to 0x7e keeps the INTEGER positive and minimally encoded.
  fresh[0] = 0x01 + (fresh[0] % 0x7e);
  fresh.copy(tbsBytes, serial.contentStart);

  const signature = sign('sha256', tbsBytes, caKey);
  const bitString = encode(0x03, Buffer.concat([Buffer.from([0x00]), signature]));
  const certificate = encode(
    0x30,
    Buffer.concat([tbsBytes, der.subarray(algorithm.start, algorithm.end), bitString]),
  );
  const body = certificate.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** Returns the node:crypto view of a PEM, for checks in tests. */
export function x509(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

interface DerHeader {
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

/** Reads the tag and length of the DER element at `offset`; long lengths up to 4 bytes. */
function readHeader(der: Buffer, offset: number): DerHeader {
  const first = der[offset + 1];
  if (first === undefined) {
    throw new Error(`DER ends before the element at offset ${offset}`);
  }
  let length = first;
  let contentStart = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count < 1 || count > 4) {
      throw new Error(`DER length of ${count} bytes at offset ${offset} is not supported`);
    }
    length = der.readUIntBE(offset + 2, count);
    contentStart += count;
  }
  return { start: offset, contentStart, end: contentStart + length };
}

function encode(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length > 0xffff) {
    throw new Error(`DER element of ${length} bytes is longer than this encoder supports`);
  } else if (length < 0x80) {
    header = Buffer.from([tag, length]);
  } else if (length < 0x100) {
    header = Buffer.from([tag, 0x81, length]);
  } else {
    header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  }
  return Buffer.concat([header, content]);
}
