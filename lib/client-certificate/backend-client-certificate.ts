import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Construct } from 'constructs';

/** An API whose stage can present a client certificate; `Api` satisfies it. */
export interface IStageOwner {
  readonly restApi: apigw.RestApi;
}

export interface BackendClientCertificateProps {
  /**
   * Description shown in the API Gateway console.
   *
   * @default 'Gatehouse: certificate the gateway presents to HTTP backends'
   */
  readonly description?: string;
}

/**
 * A certificate that API Gateway generates and presents when a stage calls an HTTP backend,
 * so the backend can require mutual TLS from the gateway. API Gateway keeps the private key;
 * the backend trusts the public certificate, which `aws apigateway get-client-certificate
 * --client-certificate-id <id>` returns as `pemEncodedCertificate`. The certificate is valid
 * for 365 days, and the backend must be given the new one when it is rotated.
 *
 * @example
 * const gatewayCertificate = new BackendClientCertificate(this, 'LegacyBackendCert');
 * gatewayCertificate.attachTo(legacyApi);
 */
export class BackendClientCertificate extends Construct {
  /** Id of the API Gateway client certificate. */
  public readonly clientCertificateId: string;

  constructor(scope: Construct, id: string, props: BackendClientCertificateProps = {}) {
    super(scope, id);

    const resource = new apigw.CfnClientCertificate(this, 'Resource', {
      description:
        props.description ?? 'Gatehouse: certificate the gateway presents to HTTP backends',
    });
    this.clientCertificateId = resource.attrClientCertificateId;
  }

  /** Makes the API's stage present this certificate on every call to an HTTP backend. */
  public attachTo(api: IStageOwner): void {
    const stage = api.restApi.deploymentStage.node.defaultChild as apigw.CfnStage;
    stage.clientCertificateId = this.clientCertificateId;
  }
}
