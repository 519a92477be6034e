import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import { X509Certificate } from 'node:crypto';
import { ClientCertificateRequirement } from '../../../lambda/policy/config';
import {
  CertificateIdentity,
  CertificateRevocation,
  ClientCertificatePolicy,
} from '../../../lib/client-certificate';
import { AccessPolicy, PolicyCompileContext } from '../../../lib/core/access-policy';
import { GatehouseValidationError } from '../../../lib/core/errors';
import { RevocationList, TrustStore, TrustStoreCertificate } from '../../../lib/trust-store';
import { CertificateLab, TestCa } from '../../support/certificates';

let lab: CertificateLab;
let root: TestCa;

beforeAll(() => {
  lab = new CertificateLab();
  root = lab.rootCa({
    subject: [
      ['CN', 'Policy Root CA'],
      ['O', 'Lab'],
    ],
  });
});

afterAll(() => lab.dispose());

function setup(crls: RevocationList[] = []) {
  const stack = new Stack(new App(), 'Test');
  const trustStore = new TrustStore(stack, 'Store', {
    certificates: [TrustStoreCertificate.fromPem(root.pem)],
    crls,
  });
  const context = {
    scope: stack,
    registerJwtValidator: () => {
      throw new Error('a certificate policy registers no JWT validator');
    },
  } as unknown as PolicyCompileContext;
  return { stack, trustStore, context };
}

function compile(
  props: Omit<ConstructorParameters<typeof ClientCertificatePolicy>[0], 'trustStore'>,
): ClientCertificateRequirement {
  const { trustStore, context } = setup();
  const policy = new ClientCertificatePolicy({ trustStore, ...props });
  return policy._compile(context) as ClientCertificateRequirement;
}

function compileIdentity(identity: CertificateIdentity) {
  return compile({ allowedIdentities: [identity] }).identities?.[0];
}

function validationError(action: () => unknown): GatehouseValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatehouseValidationError) return error;
    throw error;
  }
  throw new Error('expected a GatehouseValidationError, but nothing was thrown');
}

describe('ClientCertificatePolicy compile', () => {
  test('ships the trust store CAs for the issuer check', () => {
    const requirement = compile({ allowAnyIdentity: true });

    expect(requirement.certificateAuthorities).toHaveLength(1);
    expect(new X509Certificate(requirement.certificateAuthorities[0]).subject).toContain(
      'CN=Policy Root CA',
    );
  });

  test('compiles allowAnyIdentity to a null identity list', () => {
    const requirement = compile({ allowAnyIdentity: true });

    expect(requirement.identities).toBeNull();
  });

  test('checks CRLs strictly by default', () => {
    const requirement = compile({ allowAnyIdentity: true });

    expect(requirement.revocation).toEqual({
      mode: 'crl',
      crls: [],
      fetchDistributionPoints: true,
      fetchTimeoutMs: 2000,
      cacheSeconds: 3600,
      requireCrl: true,
      failOpen: false,
    });
  });

  test('ships the trust store CRLs', () => {
    const { trustStore, context } = setup([RevocationList.fromPem(root.crl(24 * 60).pem)]);
    const policy = new ClientCertificatePolicy({ trustStore, allowAnyIdentity: true });

    const requirement = policy._compile(context) as ClientCertificateRequirement;

    expect(requirement.revocation.mode).toBe('crl');
    expect(requirement.revocation.mode === 'crl' ? requirement.revocation.crls : []).toHaveLength(
      1,
    );
  });

  test('compiles CertificateRevocation.none()', () => {
    const requirement = compile({
      allowAnyIdentity: true,
      revocation: CertificateRevocation.none(),
    });

    expect(requirement.revocation).toEqual({ mode: 'none' });
  });

  test('compiles CRL options', () => {
    const requirement = compile({
      allowAnyIdentity: true,
      revocation: CertificateRevocation.crl({
        fetchDistributionPoints: false,
        fetchTimeout: Duration.millis(750),
        cacheFor: Duration.minutes(5),
        requireCrl: false,
        failOpen: true,
      }),
    });

    expect(requirement.revocation).toMatchObject({
      fetchDistributionPoints: false,
      fetchTimeoutMs: 750,
      cacheSeconds: 300,
      requireCrl: false,
      failOpen: true,
    });
  });

  test('is never cached by API Gateway', () => {
    const { trustStore } = setup();
    const policy = new ClientCertificatePolicy({ trustStore, allowAnyIdentity: true });

    expect(policy._inputs().cacheable).toBe(false);
  });

  test('makes a composite with a cacheable policy uncacheable', () => {
    const { trustStore } = setup();
    const certificate = new ClientCertificatePolicy({ trustStore, allowAnyIdentity: true });

    const combined = AccessPolicy.allOf(AccessPolicy.anonymous(), certificate);

    expect(combined._inputs().cacheable).toBe(false);
  });

  test('warns that Private CA issuers cannot be verified by the authorizer', () => {
    const { stack, context } = setup();
    const authority = acmpca.CertificateAuthority.fromCertificateAuthorityArn(
      stack,
      'Ca',
      'arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/abc',
    );
    const trustStore = new TrustStore(stack, 'PcaStore', {
      certificates: [TrustStoreCertificate.fromPrivateCa(authority)],
    });

    new ClientCertificatePolicy({ trustStore, allowAnyIdentity: true })._compile(context);

    Annotations.fromStack(stack).hasWarning(
      '/Test',
      Match.stringLikeRegexp('cannot verify certificates they issued'),
    );
  });
});

describe('ClientCertificatePolicy identities', () => {
  const sha256 = 'ab:CD:'.repeat(10) + 'ef'.repeat(12);
  const expected256 = 'ABCD'.repeat(10) + 'EF'.repeat(12);

  test('normalizes a SHA-256 thumbprint with colons and mixed case', () => {
    expect(compileIdentity({ thumbprint: sha256 })).toEqual({ thumbprint: expected256 });
  });

  test('normalizes a SHA-1 thumbprint with spaces', () => {
    const sha1 = '0a 1b 2c 3d 4e 5f 60 71 82 93 a4 b5 c6 d7 e8 f9 0a 1b 2c 3d';

    expect(compileIdentity({ thumbprint: sha1 })).toEqual({
      thumbprint: '0A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D',
    });
  });

  test('normalizes an issuer thumbprint', () => {
    expect(compileIdentity({ issuerThumbprint: sha256.toLowerCase() })).toEqual({
      issuerThumbprint: expected256,
    });
  });

  test('normalizes a serial number with colons and leading zeros', () => {
    expect(compileIdentity({ serialNumber: '00:0a:ff' })).toEqual({ serialNumber: 'AFF' });
  });

  test('normalizes a subject DN to canonical form', () => {
    expect(compileIdentity({ subject: 'CN=Kiosk-17, o=Partner\\, Ltd' })).toEqual({
      subject: 'CN=kiosk-17\nO=partner, ltd',
    });
  });

  test('normalizes an issuer DN with long attribute names', () => {
    expect(compileIdentity({ issuerSubject: 'commonName=Devices CA,organizationName=P' })).toEqual({
      issuerSubject: 'CN=devices ca\nO=p',
    });
  });

  test('lower-cases a DNS name and keeps the consumer id', () => {
    expect(compileIdentity({ dnsName: 'Kiosk.Partner.Example', consumerId: 'partner' })).toEqual({
      dnsName: 'kiosk.partner.example',
      consumerId: 'partner',
    });
  });

  const invalid: Array<[string, CertificateIdentity, string, string]> = [
    [
      'a thumbprint of the wrong length',
      { thumbprint: 'ABCD' },
      'InvalidThumbprint',
      'allowedIdentities[0].thumbprint must be a SHA-256',
    ],
    [
      'a thumbprint that is not hex',
      { thumbprint: 'Z'.repeat(64) },
      'InvalidThumbprint',
      "got 'ZZZZ",
    ],
    [
      'an issuer thumbprint of the wrong length',
      { issuerThumbprint: 'AB'.repeat(31) },
      'InvalidThumbprint',
      'issuerThumbprint',
    ],
    [
      'a serial number that is not hex',
      { serialNumber: '12-34' },
      'InvalidSerialNumber',
      "got '12-34'",
    ],
    [
      'a subject without type=value',
      { subject: 'kiosk-17' },
      'InvalidDistinguishedName',
      'subject must be a distinguished name',
    ],
    [
      'an empty issuer subject',
      { issuerSubject: ' ' },
      'InvalidDistinguishedName',
      'issuerSubject',
    ],
    ['an empty common name', { commonName: ' ' }, 'EmptyValue', 'commonName must not be empty'],
    [
      'an identity with only a consumer id',
      { consumerId: 'x' },
      'EmptyCertificateIdentity',
      'must set at least one of',
    ],
  ];

  test.each(invalid)('rejects %s', (_name, identity, code, message) => {
    const error = validationError(() => compileIdentity(identity));

    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });
});

describe('ClientCertificatePolicy props', () => {
  test('rejects a policy with neither identities nor allowAnyIdentity', () => {
    const error = validationError(() => compile({}));

    expect(error.code).toBe('MissingCertificateIdentities');
    expect(error.message).toContain('allowAnyIdentity: true');
  });

  test('rejects allowAnyIdentity: false without identities', () => {
    const error = validationError(() => compile({ allowAnyIdentity: false }));

    expect(error.code).toBe('MissingCertificateIdentities');
  });

  test('rejects an empty identity list', () => {
    const error = validationError(() => compile({ allowedIdentities: [] }));

    expect(error.code).toBe('MissingCertificateIdentities');
    expect(error.message).toContain('got none');
  });

  test('rejects identities together with allowAnyIdentity', () => {
    const error = validationError(() =>
      compile({ allowedIdentities: [{ commonName: 'a' }], allowAnyIdentity: true }),
    );

    expect(error.code).toBe('ConflictingCertificateIdentities');
  });

  test('rejects a fetch timeout over 10 seconds', () => {
    const error = validationError(() =>
      compile({
        allowAnyIdentity: true,
        revocation: CertificateRevocation.crl({ fetchTimeout: Duration.seconds(11) }),
      }),
    );

    expect(error.code).toBe('InvalidFetchTimeout');
    expect(error.message).toContain('got 11000 ms');
  });

  test('rejects a zero fetch timeout', () => {
    const error = validationError(() =>
      compile({
        allowAnyIdentity: true,
        revocation: CertificateRevocation.crl({ fetchTimeout: Duration.millis(0) }),
      }),
    );

    expect(error.code).toBe('InvalidFetchTimeout');
  });
});
