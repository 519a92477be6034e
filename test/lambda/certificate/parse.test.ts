import { X509Certificate } from 'node:crypto';
import {
  CertificateParseError,
  parseCertificatePem,
} from '../../../lambda/policy/certificate/parse';
import { CertificateLab, IssuedCertificate, TestCa } from '../../support/certificates';

let lab: CertificateLab;
let root: TestCa;
let leaf: IssuedCertificate;

beforeAll(() => {
  lab = new CertificateLab();
  root = lab.rootCa({
    subject: [
      ['CN', 'Parse Root'],
      ['O', 'Lab'],
    ],
  });
  leaf = root.issue({
    subject: [
      ['CN', 'device-7'],
      ['O', 'Partner\\, Ltd'],
      ['C', 'GB'],
    ],
    dnsNames: ['device-7.partner.example', 'spare.partner.example'],
    crlUrl: 'http://127.0.0.1:9/root.crl',
  });
});

afterAll(() => lab.dispose());

describe('parseCertificatePem', () => {
  test('reads thumbprints as node:crypto computes them', () => {
    const reference = new X509Certificate(leaf.pem);

    const parsed = parseCertificatePem(leaf.pem);

    expect(parsed.sha256).toBe(reference.fingerprint256.replace(/:/g, ''));
    expect(parsed.sha1).toBe(reference.fingerprint.replace(/:/g, ''));
    expect(Buffer.from(parsed.x5tS256, 'base64url').toString('hex').toUpperCase()).toBe(
      parsed.sha256,
    );
  });

  test('reads serial number without leading zeros', () => {
    const reference = new X509Certificate(leaf.pem);

    const parsed = parseCertificatePem(leaf.pem);

    expect(parsed.serialNumber).toBe(reference.serialNumber.replace(/^0+/, ''));
  });

  test('reads subject, issuer and common name', () => {
    const parsed = parseCertificatePem(leaf.pem);

    expect(parsed.commonNames).toEqual(['device-7']);
    expect(parsed.subject).toContainEqual({ type: 'O', value: 'Partner, Ltd' });
    expect(parsed.issuer).toContainEqual({ type: 'CN', value: 'Parse Root' });
    expect(parsed.subjectKey).toBe('C=gb\nCN=device-7\nO=partner, ltd');
  });

  test('reads SAN DNS names and CRL distribution points', () => {
    const parsed = parseCertificatePem(leaf.pem);

    expect(parsed.dnsNames).toEqual(['device-7.partner.example', 'spare.partner.example']);
    expect(parsed.crlUrls).toEqual(['http://127.0.0.1:9/root.crl']);
  });

  test('returns empty lists for a certificate without extensions of interest', () => {
    const plain = root.issue({ subject: [['CN', 'plain']] });

    const parsed = parseCertificatePem(plain.pem);

    expect(parsed.dnsNames).toEqual([]);
    expect(parsed.crlUrls).toEqual([]);
  });

  test('reads the validity window in seconds', () => {
    const reference = new X509Certificate(leaf.pem);

    const parsed = parseCertificatePem(leaf.pem);

    expect(parsed.notBefore).toBe(Date.parse(reference.validFrom) / 1000);
    expect(parsed.notAfter).toBe(Date.parse(reference.validTo) / 1000);
  });

  test('accepts PEM whose lines API Gateway joined with spaces', () => {
    const joined = leaf.pem.replace(/\n/g, ' ');

    const parsed = parseCertificatePem(joined);

    expect(parsed.sha256).toBe(parseCertificatePem(leaf.pem).sha256);
  });
});

describe('parseCertificatePem with bad input', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['empty string', () => '', /no complete CERTIFICATE block/],
    ['text that is not PEM', () => 'hello', /no complete CERTIFICATE block/],
    ['PEM without END line', () => leaf.pem.split('-----END')[0], /no complete CERTIFICATE block/],
    ['truncated body', () => truncateBody(leaf.pem, 0.5), /malformed|not valid base64/],
    ['body cut by one byte', () => truncateBody(leaf.pem, 0.99), /malformed|not valid base64/],
    ['body that is not base64', () => replaceBody(leaf.pem, '!!!notbase64!!!'), /no complete/],
    [
      'base64 of random bytes',
      () => replaceBody(leaf.pem, Buffer.alloc(90, 7).toString('base64')),
      /malformed/,
    ],
    ['oversized input', () => 'A'.repeat(70 * 1024), /more than/],
  ];

  test.each(cases)('rejects %s', (_name, input, message) => {
    const parse = () => parseCertificatePem(input());

    expect(parse).toThrow(CertificateParseError);
    expect(parse).toThrow(message);
  });
});

function truncateBody(pem: string, fraction: number): string {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(body, 'base64');
  return replaceBody(pem, der.subarray(0, Math.floor(der.length * fraction)).toString('base64'));
}

function replaceBody(_pem: string, body: string): string {
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}
