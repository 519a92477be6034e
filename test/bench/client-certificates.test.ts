import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import {
  CertificateFixture,
  makeCertificateFixture,
  resign,
} from '../../bench/lib/client-certificates';
import { CLIENT_DNS_NAME } from '../../bench/lib/hot-path-config';

let fixture: CertificateFixture;

beforeAll(() => {
  fixture = makeCertificateFixture();
});

afterAll(() => {
  fixture?.dispose();
});

function derOf(pem: string): Buffer {
  return new X509Certificate(pem).raw;
}

describe('certificate variants', () => {
  test('verify against the CA', () => {
    const authority = new X509Certificate(fixture.authorityPem);

    for (const pem of fixture.variants(5)) {
      const certificate = new X509Certificate(pem);
      expect(certificate.checkIssued(authority)).toBe(true);
      expect(certificate.verify(authority.publicKey)).toBe(true);
    }
  });

  test('keep the subject, DNS name and validity', () => {
    const original = new X509Certificate(fixture.validPem);

    const [variant] = fixture.variants(1).map((pem) => new X509Certificate(pem));

    expect(variant.subject).toBe(original.subject);
    expect(variant.checkHost(CLIENT_DNS_NAME)).toBe(CLIENT_DNS_NAME);
    expect(variant.validFrom).toBe(original.validFrom);
    expect(variant.validTo).toBe(original.validTo);
  });

  test('all have different serial numbers', () => {
    const serials = fixture.variants(50).map((pem) => new X509Certificate(pem).serialNumber);

    expect(new Set(serials).size).toBe(50);
    expect(serials).not.toContain(new X509Certificate(fixture.validPem).serialNumber);
  });

  test('signed by another key fail to verify', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const authority = new X509Certificate(fixture.authorityPem);

    const forged = new X509Certificate(resign(derOf(fixture.validPem), privateKey));

    expect(forged.verify(authority.publicKey)).toBe(false);
  });

  test('truncated DER is rejected', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const truncated = derOf(fixture.validPem).subarray(0, 1);

    expect(() => resign(truncated, key)).toThrow('DER ends before the element at offset 0');
  });
});

describe('certificate fixture', () => {
  test('openssl leaves fail where they should', () => {
    const authority = new X509Certificate(fixture.authorityPem);
    const now = Date.now();

    expect(new X509Certificate(fixture.otherAuthorityPem).checkIssued(authority)).toBe(false);
    expect(Date.parse(new X509Certificate(fixture.expiredPem).validTo)).toBeLessThan(now);
    expect(new X509Certificate(fixture.wrongNamePem).checkHost(CLIENT_DNS_NAME)).toBeUndefined();
  });

  test('CRL lists the revoked leaf only', () => {
    const crl = Buffer.from(fixture.crlBase64, 'base64');
    const serialOf = (pem: string) => {
      const hex = new X509Certificate(pem).serialNumber;
      return Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex');
    };

    expect(crl.includes(serialOf(fixture.revokedPem))).toBe(true);
    expect(crl.includes(serialOf(fixture.validPem))).toBe(false);
  });
});
