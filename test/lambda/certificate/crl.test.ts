import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { parseCrl, verifyCrlSignature } from '../../../lambda/policy/certificate/crl';
import { DerError } from '../../../lambda/policy/certificate/der';
import { canonicalName, parseDistinguishedName } from '../../../lambda/policy/certificate/names';
import {
  CertificateParseError,
  parseCertificateDer,
  parseCertificatePem,
} from '../../../lambda/policy/certificate/parse';
import { CertificateLab, IssuedCertificate, TestCa } from '../../support/certificates';

let lab: CertificateLab;
let ecCa: TestCa;
let rsaCa: TestCa;
let revoked: IssuedCertificate;
let unrevoked: IssuedCertificate;

beforeAll(() => {
  lab = new CertificateLab();
  ecCa = lab.rootCa({ subject: [['CN', 'EC CRL CA']], keyType: 'ec' });
  rsaCa = lab.rootCa({ subject: [['CN', 'RSA CRL CA']], keyType: 'rsa' });
  revoked = rsaCa.issue({ subject: [['CN', 'revoked-leaf']] });
  unrevoked = rsaCa.issue({ subject: [['CN', 'kept-leaf']] });
  rsaCa.revoke(revoked);
});

afterAll(() => lab.dispose());

describe('parseCrl', () => {
  test('lists revoked serial numbers of an RSA-signed CRL', () => {
    const crl = parseCrl(rsaCa.crl().der);

    expect(crl.revokedSerials.has(parseCertificatePem(revoked.pem).serialNumber)).toBe(true);
    expect(crl.revokedSerials.has(parseCertificatePem(unrevoked.pem).serialNumber)).toBe(false);
  });

  test('reads PEM as well as DER', () => {
    const { pem, der } = rsaCa.crl();

    expect(parseCrl(pem).revokedSerials).toEqual(parseCrl(der).revokedSerials);
  });

  test('reads an empty CRL', () => {
    const crl = parseCrl(ecCa.crl().der);

    expect(crl.revokedSerials.size).toBe(0);
  });

  test('reads thisUpdate and nextUpdate', () => {
    const before = Math.floor(Date.now() / 1000) - 1;

    const crl = parseCrl(ecCa.crl(5).der);

    expect(crl.thisUpdate).toBeGreaterThanOrEqual(before);
    expect(crl.nextUpdate! - crl.thisUpdate).toBe(5 * 3600);
  });

  test('names the issuer in canonical form', () => {
    const crl = parseCrl(rsaCa.crl().der);

    expect(crl.issuerKey).toBe(canonicalName(parseDistinguishedName('CN=RSA CRL CA')));
  });

  test('rejects a truncated CRL', () => {
    const der = rsaCa.crl().der;

    expect(() => parseCrl(der.subarray(0, der.length - 10))).toThrow(DerError);
  });

  test('rejects PEM without the CRL label', () => {
    expect(() => parseCrl(rsaCa.pem)).toThrow('no complete X509 CRL block');
  });
});

describe('verifyCrlSignature', () => {
  test('accepts an ECDSA signature from the issuing CA', () => {
    const crl = parseCrl(ecCa.crl().der);

    expect(verifyCrlSignature(crl, new X509Certificate(ecCa.pem).publicKey)).toBe(true);
  });

  test('accepts an RSA signature from the issuing CA', () => {
    const crl = parseCrl(rsaCa.crl().der);

    expect(verifyCrlSignature(crl, new X509Certificate(rsaCa.pem).publicKey)).toBe(true);
  });

  test('rejects a signature from another CA', () => {
    const crl = parseCrl(rsaCa.crl().der);

    expect(verifyCrlSignature(crl, new X509Certificate(ecCa.pem).publicKey)).toBe(false);
  });

  test('rejects a CRL whose signed part was altered', () => {
    const der = Buffer.from(rsaCa.crl().der);
    const crl = parseCrl(der);
    crl.signedBytes[crl.signedBytes.length - 1] ^= 0x01;

    expect(verifyCrlSignature(crl, new X509Certificate(rsaCa.pem).publicKey)).toBe(false);
  });
});

describe('parseDistinguishedName', () => {
  test('matches regardless of order, case and long attribute names', () => {
    const written = canonicalName(parseDistinguishedName('o=Partner Ltd, commonName=KIOSK-1'));

    expect(written).toBe(canonicalName(parseDistinguishedName('CN=kiosk-1,O=partner ltd')));
  });

  test('keeps an escaped comma inside a value', () => {
    const attributes = parseDistinguishedName('O=Partner\\, Ltd,CN=x');

    expect(attributes).toContainEqual({ type: 'O', value: 'Partner, Ltd' });
  });

  test('rejects an attribute without a type', () => {
    expect(() => parseDistinguishedName('CN=x,=y')).toThrow("without 'type=value'");
  });
});

describe('parseCertificateDer with damaged input', () => {
  test('throws only CertificateParseError for any truncation or bit flip', () => {
    const der = rsaCa.certificate.der;

    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: der.length - 1 }),
        fc.integer({ min: 0, max: der.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (cut, flipAt, mask) => {
          const damaged = Buffer.from(der.subarray(0, cut === 0 ? der.length : cut));
          if (flipAt < damaged.length) damaged[flipAt] ^= mask;
          try {
            parseCertificateDer(damaged);
          } catch (error) {
            expect(error).toBeInstanceOf(CertificateParseError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
