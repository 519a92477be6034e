import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { TrustStore } from './trust-store';

/** Mutual TLS on a gateway's custom domain. */
export interface MutualTlsOptions {
  /** CA bundle that client certificates must chain to. */
  readonly trustStore: TrustStore;
  /**
   * Public ACM certificate for the same host name that proves you own it. API Gateway
   * requires one for mutual TLS when the domain's certificate is imported into ACM or issued
   * by ACM Private CA.
   *
   * @default - no ownership verification certificate, which suits a public ACM certificate
   */
  readonly ownershipVerificationCertificate?: ICertificate;
}

/**
 * Turns on mutual TLS for a custom domain, pinned to the trust store object version that
 * this deployment wrote. API Gateway then rejects, during the TLS handshake, any client
 * whose certificate does not chain to the bundle.
 */
export function applyMutualTls(domain: apigw.DomainName, options: MutualTlsOptions): void {
  const resource = domain.node.defaultChild as apigw.CfnDomainName;
  const { trustStore } = options;
  resource.mutualTlsAuthentication = {
    truststoreUri: `s3://${trustStore.bucket.bucketName}/${trustStore.objectKey}`,
    truststoreVersion: trustStore.objectVersion,
  };
  if (options.ownershipVerificationCertificate) {
    resource.ownershipVerificationCertificateArn =
      options.ownershipVerificationCertificate.certificateArn;
  }
}
