import { Annotations, Duration, Fn, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { verifyCrlSignature } from '../../lambda/policy/certificate/crl';
import { ParsedCertificate, parseCertificatePem } from '../../lambda/policy/certificate/parse';
import { GatehouseValidationError } from '../core/errors';
import { RevocationList } from './revocation-list';
import {
  CaCertificateSource,
  PrivateCaCertificate,
  TrustStoreCertificate,
} from './trust-store-certificate';

/** API Gateway accepts at most this many certificates in one trust store. */
const MAX_TRUST_STORE_CERTIFICATES = 1000;
const DEFAULT_EXPIRY_WARNING = Duration.days(30);
const OBJECT_KEY = 'truststore.pem';

export interface TrustStoreProps {
  /** CA certificates, roots and intermediates, whose client certificates API Gateway accepts. */
  readonly certificates: TrustStoreCertificate[];
  /**
   * CRLs the authorizer checks client certificates against, each signed by a CA of
   * `certificates`.
   *
   * @default - no shipped CRLs; a `ClientCertificatePolicy` can still fetch CRLs from the
   *   certificates' distribution points
   */
  readonly crls?: RevocationList[];
  /**
   * A CA certificate or shipped CRL that expires within this window gets a synth warning.
   *
   * @default Duration.days(30)
   */
  readonly expiryWarningWindow?: Duration;
  /**
   * Bucket for the server access logs of the trust store bucket.
   *
   * @default - a new bucket, encrypted and TLS-only, retained on stack deletion
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Removal policy of the trust store bucket and the logs bucket it creates.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The CA bundle for mutual TLS on a gateway's custom domain: one PEM object in a versioned,
 * encrypted, TLS-only S3 bucket with server access logging. The domain is pinned to the
 * object version written by this deployment, so a changed bundle rolls out with the next
 * deploy and not before.
 *
 * @example
 * const trustStore = new TrustStore(this, 'PartnerCAs', {
 *   certificates: [TrustStoreCertificate.fromPemFile('certs/partner-root-ca.pem')],
 * });
 */
export class TrustStore extends Construct {
  /** The bucket that contains the bundle. */
  public readonly bucket: s3.Bucket;
  /** Key of the bundle object. */
  public readonly objectKey = OBJECT_KEY;
  /** S3 version id of the bundle this deployment wrote, resolved at deploy time. */
  public readonly objectVersion: string;

  private readonly staticCertificates: ParsedCertificate[] = [];
  private readonly privateCas: PrivateCaCertificate[] = [];
  private readonly shippedCrls: string[] = [];

  constructor(scope: Construct, id: string, props: TrustStoreProps) {
    super(scope, id);

    const warningWindow = props.expiryWarningWindow ?? DEFAULT_EXPIRY_WARNING;
    const sources = this.resolveCertificates(props.certificates);
    this.checkCertificates(sources, warningWindow);
    this.checkCrls(props.crls ?? [], warningWindow);

    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logsBucket = props.serverAccessLogsBucket ?? this.createLogsBucket(removalPolicy);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: logsBucket,
      serverAccessLogsPrefix: 'truststore/',
      removalPolicy,
    });
    this.objectVersion = this.writeBundle(sources);
  }

  /** PEM certificates known at synth time, which the authorizer checks issuers against. */
  public get caCertificatePems(): string[] {
    return this.staticCertificates.map((certificate) => certificate.x509.toString());
  }

  /** CRLs shipped with the trust store, as base64 DER. */
  public get crlsBase64(): string[] {
    return [...this.shippedCrls];
  }

  /** True when some CA certificate is fetched from ACM Private CA at deploy time. */
  public get hasDeployTimeCertificates(): boolean {
    return this.privateCas.length > 0;
  }

  private resolveCertificates(certificates: TrustStoreCertificate[]): CaCertificateSource[] {
    if (certificates.length === 0) {
      throw new GatehouseValidationError(
        'EmptyTrustStore',
        'certificates must list at least one CA certificate, got none',
        this,
      );
    }
    const sources = certificates.flatMap((certificate, index) => certificate._resolve(this, index));
    if (sources.length > MAX_TRUST_STORE_CERTIFICATES) {
      throw new GatehouseValidationError(
        'TooManyCertificates',
        `certificates must hold at most ${MAX_TRUST_STORE_CERTIFICATES} certificates (the API Gateway limit), got ${sources.length}`,
        this,
      );
    }
    return sources;
  }

  private checkCertificates(sources: CaCertificateSource[], warningWindow: Duration): void {
    const now = Date.now() / 1000;
    for (const source of sources) {
      if (source.kind === 'privateCa') {
        this.privateCas.push(source);
        continue;
      }
      const certificate = parseCertificatePem(source.pem);
      const subject = certificate.x509.subject.replace(/\n/g, ', ');
      if (!certificate.x509.ca) {
        throw new GatehouseValidationError(
          'NotCaCertificate',
          `trust store certificate ${source.origin} (${subject}) must be a CA certificate with basicConstraints CA:TRUE, got an end-entity certificate`,
          this,
        );
      }
      if (certificate.notAfter < now) {
        throw new GatehouseValidationError(
          'ExpiredCaCertificate',
          `trust store certificate ${source.origin} (${subject}) expired at ${certificate.x509.validTo}; remove or renew it`,
          this,
        );
      }
      if (certificate.notAfter < now + warningWindow.toSeconds()) {
        Annotations.of(this).addWarningV2(
          'gatehouse:trustStoreCaExpiresSoon',
          `trust store certificate ${source.origin} (${subject}) expires at ${certificate.x509.validTo}, within the ${warningWindow.toDays()}-day warning window`,
        );
      }
      this.staticCertificates.push(certificate);
    }
  }

  private checkCrls(crls: RevocationList[], warningWindow: Duration): void {
    const now = Date.now() / 1000;
    for (const crl of crls) {
      const { der, parsed, origin } = crl._resolve(this);
      const issuer = this.staticCertificates.find(
        (ca) => ca.subjectKey === parsed.issuerKey && verifyCrlSignature(parsed, ca.x509.publicKey),
      );
      if (!issuer) {
        throw new GatehouseValidationError(
          'CrlIssuerNotInTrustStore',
          `trust store CRL ${origin} must be signed by one of the trust store's CA certificates, but none of them signed it`,
          this,
        );
      }
      if (parsed.nextUpdate !== undefined && parsed.nextUpdate < now) {
        throw new GatehouseValidationError(
          'ExpiredCrl',
          `trust store CRL ${origin} passed its nextUpdate at ${new Date(parsed.nextUpdate * 1000).toISOString()}; ship a current CRL`,
          this,
        );
      }
      if (parsed.nextUpdate !== undefined && parsed.nextUpdate < now + warningWindow.toSeconds()) {
        Annotations.of(this).addWarningV2(
          'gatehouse:trustStoreCrlExpiresSoon',
          `trust store CRL ${origin} reaches its nextUpdate at ${new Date(parsed.nextUpdate * 1000).toISOString()}; the authorizer denies the certificates it covers after that unless you deploy a newer CRL`,
        );
      }
      this.shippedCrls.push(der.toString('base64'));
    }
  }

  private createLogsBucket(removalPolicy: RemovalPolicy): s3.Bucket {
    return new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      removalPolicy,
    });
  }

  /**
   * Writes the bundle with an S3 PutObject call at deploy time and returns the version id it
   * produced. The call runs again whenever the bundle text in the template changes.
   */
  private writeBundle(sources: CaCertificateSource[]): string {
    const pems = sources.map((source, index) =>
      source.kind === 'static' ? source.pem : this.fetchPrivateCa(source, index),
    );
    const putObject: cr.AwsSdkCall = {
      service: 'S3',
      action: 'putObject',
      parameters: {
        Bucket: this.bucket.bucketName,
        Key: OBJECT_KEY,
        Body: Token.isUnresolved(pems.join('')) ? Fn.join('\n', pems) : pems.join('\n'),
        ContentType: 'application/x-pem-file',
      },
      physicalResourceId: cr.PhysicalResourceId.of(OBJECT_KEY),
      outputPaths: ['VersionId'],
    };
    const writer = new cr.AwsCustomResource(this, 'BundleWriter', {
      onCreate: putObject,
      onUpdate: putObject,
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['s3:PutObject'],
          resources: [this.bucket.arnForObjects(OBJECT_KEY)],
        }),
      ]),
    });
    this.acknowledgeProviderFindings();
    return writer.getResponseField('VersionId');
  }

  /**
   * Acknowledges the cdk-nag findings on the stack's shared AwsCustomResource provider
   * function, whose runtime and role aws-cdk-lib chooses.
   */
  private acknowledgeProviderFindings(): void {
    const id = `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`;
    const provider = Stack.of(this).node.tryFindChild(id);
    if (!provider) return;
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'aws-cdk-lib picks the runtime of its AwsCustomResource provider, which runs only during deployment to write the trust store object or read a Private CA certificate',
    });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole only lets the deploy-time AwsCustomResource provider write its own CloudWatch logs',
    });
  }

  private fetchPrivateCa(source: PrivateCaCertificate, index: number): string {
    const reader = new cr.AwsCustomResource(this, `PrivateCa${index}`, {
      onUpdate: {
        service: 'ACMPCA',
        action: 'getCertificateAuthorityCertificate',
        parameters: { CertificateAuthorityArn: source.certificateAuthorityArn },
        physicalResourceId: cr.PhysicalResourceId.of(source.certificateAuthorityArn),
        outputPaths: ['Certificate'],
      },
      installLatestAwsSdk: false,
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({
        resources: [source.certificateAuthorityArn],
      }),
    });
    return reader.getResponseField('Certificate');
  }
}
