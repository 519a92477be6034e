import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as acmpca from 'aws-cdk-lib/aws-acmpca';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { GatehouseValidationError } from '../../../lib/core/errors';
import {
  RevocationList,
  TrustStore,
  TrustStoreCertificate,
  applyMutualTls,
} from '../../../lib/trust-store';
import { CertificateLab, TestCa, daysFromNow } from '../../support/certificates';

let lab: CertificateLab;
let root: TestCa;
let intermediate: TestCa;

beforeAll(() => {
  lab = new CertificateLab();
  root = lab.rootCa({
    subject: [
      ['CN', 'Store Root CA'],
      ['O', 'Lab'],
    ],
  });
  intermediate = root.intermediate({
    subject: [
      ['CN', 'Store Devices CA'],
      ['O', 'Lab'],
    ],
  });
});

afterAll(() => lab.dispose());

function newStack(): Stack {
  return new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
}

function bundleWriter(template: Template): Record<string, unknown> {
  const writers = template.findResources('Custom::AWS', {
    Properties: { Create: Match.anyValue() },
  });
  const [writer] = Object.values(writers).filter((resource) =>
    JSON.stringify(resource).includes('putObject'),
  );
  return writer as Record<string, unknown>;
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

describe('TrustStore bucket', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new TrustStore(stack, 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem)],
    });
    template = Template.fromStack(stack);
  });

  test('is versioned', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  test('is encrypted', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      },
    });
  });

  test('writes server access logs to the logs bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('StoreAccessLogs') },
        LogFilePrefix: 'truststore/',
      },
    });
  });

  test('denies requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('StoreBucket') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  test('is retained when the stack is deleted', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('TrustStore props', () => {
  test('logs to a given server access logs bucket', () => {
    const stack = newStack();
    const logs = new s3.Bucket(stack, 'SharedLogs');

    new TrustStore(stack, 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem)],
      serverAccessLogsBucket: logs,
    });

    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.stringLikeRegexp('SharedLogs') },
      },
    });
  });

  test('applies the removal policy to both buckets', () => {
    const stack = newStack();

    new TrustStore(stack, 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem)],
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
    const policies = Object.values(buckets).map((bucket) => bucket.DeletionPolicy);
    expect(policies).toEqual(['Delete', 'Delete']);
  });
});

describe('TrustStore bundle', () => {
  test('writes every certificate into one object', () => {
    const stack = newStack();
    new TrustStore(stack, 'Store', {
      certificates: [
        TrustStoreCertificate.fromPem(root.pem),
        TrustStoreCertificate.fromPemFile(intermediate.certificate.path),
      ],
    });

    const create = JSON.stringify(bundleWriter(Template.fromStack(stack)));

    expect(create).toContain('truststore.pem');
    expect(create).toContain(root.pem.split('\n')[1]);
    expect(create).toContain(intermediate.pem.split('\n')[1]);
  });

  test('splits a PEM string with several certificates', () => {
    const stack = newStack();

    const store = new TrustStore(stack, 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem + intermediate.pem)],
    });

    expect(store.caCertificatePems).toHaveLength(2);
  });

  test('changes the template when a certificate is added', () => {
    const before = newStack();
    new TrustStore(before, 'Store', { certificates: [TrustStoreCertificate.fromPem(root.pem)] });
    const after = newStack();
    new TrustStore(after, 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem + intermediate.pem)],
    });

    const first = JSON.stringify(bundleWriter(Template.fromStack(before)));
    const second = JSON.stringify(bundleWriter(Template.fromStack(after)));

    expect(first).not.toBe(second);
  });

  test('lets the writer put only the bundle object', () => {
    const stack = newStack();
    new TrustStore(stack, 'Store', { certificates: [TrustStoreCertificate.fromPem(root.pem)] });

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 's3:PutObject',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [
                  { 'Fn::GetAtt': [Match.stringLikeRegexp('StoreBucket'), 'Arn'] },
                  '/truststore.pem',
                ],
              ],
            },
          },
        ],
      },
    });
  });

  test('fetches an ACM Private CA certificate at deploy time', () => {
    const stack = newStack();
    const arn =
      'arn:aws:acm-pca:eu-west-1:111111111111:certificate-authority/11111111-2222-3333-4444-555555555555';
    const authority = acmpca.CertificateAuthority.fromCertificateAuthorityArn(stack, 'Ca', arn);

    new TrustStore(stack, 'Store', {
      certificates: [
        TrustStoreCertificate.fromPem(root.pem),
        TrustStoreCertificate.fromPrivateCa(authority),
      ],
    });

    const template = Template.fromStack(stack);
    const reader = JSON.stringify(template.findResources('Custom::AWS'));
    expect(reader).toContain('getCertificateAuthorityCertificate');
    expect(reader).toContain(arn);
    expect(JSON.stringify(bundleWriter(template))).toContain('PrivateCa1');
  });
});

describe('applyMutualTls', () => {
  function domainWithTrustStore(ownership?: boolean): Template {
    const stack = newStack();
    const store = new TrustStore(stack, 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem)],
    });
    const certificate = acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-1:111111111111:certificate/imported',
    );
    const domain = new apigw.DomainName(stack, 'Domain', {
      domainName: 'partners.example.com',
      certificate,
      securityPolicy: apigw.SecurityPolicy.TLS_1_2,
    });
    const ownershipCertificate = acm.Certificate.fromCertificateArn(
      stack,
      'Ownership',
      'arn:aws:acm:eu-west-1:111111111111:certificate/public',
    );
    applyMutualTls(domain, {
      trustStore: store,
      ownershipVerificationCertificate: ownership ? ownershipCertificate : undefined,
    });
    return Template.fromStack(stack);
  }

  test('pins the domain to the object version the writer produced', () => {
    const template = domainWithTrustStore();

    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      MutualTlsAuthentication: {
        TruststoreUri: {
          'Fn::Join': [
            '',
            ['s3://', { Ref: Match.stringLikeRegexp('StoreBucket') }, '/truststore.pem'],
          ],
        },
        TruststoreVersion: {
          'Fn::GetAtt': [Match.stringLikeRegexp('StoreBundleWriter'), 'VersionId'],
        },
      },
    });
  });

  test('sets the ownership verification certificate when given', () => {
    const template = domainWithTrustStore(true);

    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      OwnershipVerificationCertificateArn: 'arn:aws:acm:eu-west-1:111111111111:certificate/public',
    });
  });

  test('leaves out the ownership verification certificate by default', () => {
    const template = domainWithTrustStore(false);

    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      OwnershipVerificationCertificateArn: Match.absent(),
    });
  });
});

describe('TrustStore validation', () => {
  test('rejects an empty certificate list', () => {
    const error = validationError(() => new TrustStore(newStack(), 'Store', { certificates: [] }));

    expect(error.code).toBe('EmptyTrustStore');
    expect(error.message).toContain('certificates must list at least one CA certificate');
  });

  test('rejects malformed PEM', () => {
    const error = validationError(
      () =>
        new TrustStore(newStack(), 'Store', {
          certificates: [TrustStoreCertificate.fromPem('not a certificate')],
        }),
    );

    expect(error.code).toBe('InvalidCertificatePem');
    expect(error.message).toContain('certificates[0] must be a PEM X.509 certificate');
  });

  test('rejects truncated PEM', () => {
    const body = root.certificate.der.subarray(0, 100).toString('base64');
    const truncated = `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

    const error = validationError(
      () =>
        new TrustStore(newStack(), 'Store', {
          certificates: [
            TrustStoreCertificate.fromPem(root.pem),
            TrustStoreCertificate.fromPem(truncated),
          ],
        }),
    );

    expect(error.code).toBe('InvalidCertificatePem');
    expect(error.message).toContain('certificates[1]');
  });

  test('rejects a malformed PEM file and names the path', () => {
    const path = join(lab.dir, 'broken.pem');
    writeFileSync(path, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');

    const error = validationError(
      () =>
        new TrustStore(newStack(), 'Store', {
          certificates: [TrustStoreCertificate.fromPemFile(path)],
        }),
    );

    expect(error.code).toBe('InvalidCertificatePem');
    expect(error.message).toContain(path);
  });

  test('rejects an end-entity certificate', () => {
    const leaf = root.issue({ subject: [['CN', 'not-a-ca']] });

    const error = validationError(
      () =>
        new TrustStore(newStack(), 'Store', {
          certificates: [TrustStoreCertificate.fromPem(leaf.pem)],
        }),
    );

    expect(error.code).toBe('NotCaCertificate');
    expect(error.message).toContain('CN=not-a-ca');
  });

  test('rejects an expired CA', () => {
    const expired = lab.rootCa({
      subject: [['CN', 'Old Root CA']],
      notBefore: daysFromNow(-400),
      notAfter: daysFromNow(-2),
    });

    const error = validationError(
      () =>
        new TrustStore(newStack(), 'Store', {
          certificates: [TrustStoreCertificate.fromPem(expired.pem)],
        }),
    );

    expect(error.code).toBe('ExpiredCaCertificate');
    expect(error.message).toContain('CN=Old Root CA');
  });

  test('warns about a CA that expires within the window', () => {
    const stack = newStack();
    const soon = lab.rootCa({ subject: [['CN', 'Soon Root CA']], notAfter: daysFromNow(10) });

    new TrustStore(stack, 'Store', { certificates: [TrustStoreCertificate.fromPem(soon.pem)] });

    Annotations.fromStack(stack).hasWarning(
      '/Test/Store',
      Match.stringLikeRegexp('CN=Soon Root CA.*within the 30-day warning window'),
    );
  });

  test('does not warn when the window is shorter than the time left', () => {
    const stack = newStack();
    const soon = lab.rootCa({ subject: [['CN', 'Soon Root CA']], notAfter: daysFromNow(10) });

    new TrustStore(stack, 'Store', {
      certificates: [TrustStoreCertificate.fromPem(soon.pem)],
      expiryWarningWindow: Duration.days(5),
    });

    Annotations.fromStack(stack).hasNoWarning('/Test/Store', Match.anyValue());
  });
});

describe('TrustStore CRLs', () => {
  test('ships a CRL signed by a CA of the store', () => {
    const store = new TrustStore(newStack(), 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem + intermediate.pem)],
      crls: [RevocationList.fromPem(intermediate.crl(24 * 60).pem)],
    });

    expect(store.crlsBase64).toHaveLength(1);
  });

  test('reads a DER CRL file', () => {
    const path = join(lab.dir, 'devices.crl');
    writeFileSync(path, intermediate.crl(24 * 60).der);

    const store = new TrustStore(newStack(), 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem + intermediate.pem)],
      crls: [RevocationList.fromFile(path)],
    });

    expect(Buffer.from(store.crlsBase64[0], 'base64')).toEqual(readFileSync(path));
  });

  test('rejects a CRL that no CA of the store signed', () => {
    const error = validationError(
      () =>
        new TrustStore(newStack(), 'Store', {
          certificates: [TrustStoreCertificate.fromPem(root.pem)],
          crls: [RevocationList.fromPem(intermediate.crl(24 * 60).pem)],
        }),
    );

    expect(error.code).toBe('CrlIssuerNotInTrustStore');
  });

  test('rejects a malformed CRL', () => {
    const error = validationError(
      () =>
        new TrustStore(newStack(), 'Store', {
          certificates: [TrustStoreCertificate.fromPem(root.pem)],
          crls: [RevocationList.fromPem('-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----')],
        }),
    );

    expect(error.code).toBe('InvalidCrl');
    expect(error.message).toContain('must be a PEM or DER X.509 CRL');
  });

  test('warns about a CRL whose nextUpdate falls within the window', () => {
    const stack = newStack();

    new TrustStore(stack, 'Store', {
      certificates: [TrustStoreCertificate.fromPem(root.pem)],
      crls: [RevocationList.fromPem(root.crl(24).pem)],
    });

    Annotations.fromStack(stack).hasWarning(
      '/Test/Store',
      Match.stringLikeRegexp('the authorizer denies the certificates it covers'),
    );
  });
});
