import { join } from 'node:path';
import { Stack, StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Construct } from 'constructs';
import {
  AccessPolicy,
  Backend,
  BackendClientCertificate,
  CertificateRevocation,
  ClientCertificatePolicy,
  Gateway,
  JwtKeys,
  JwtValidator,
  TrustStore,
  TrustStoreCertificate,
} from '../../lib';
import { createExampleWebAcl } from '../shared/web-acl';

const SPA_ORIGIN = 'https://app.partner.example';
const LEGACY_BACKEND = 'https://legacy-orders.internal.example.com';

export interface PartnerSpaStackProps extends StackProps {
  /**
   * Path of the authorizer bundle.
   *
   * @default - the bundle built by `npm run build:lambda`
   */
  readonly authorizerBundlePath?: string;
}

/**
 * A partner's single-page app and the partner's devices call our order APIs.
 *
 * - `api.orders.example.com` serves the SPA: the partner's OpenID provider issues access
 *   tokens whose audience is this gateway, and the legacy order backend only accepts calls
 *   that present the gateway's client certificate.
 * - `devices.orders.example.com` serves partner devices over mutual TLS: API Gateway checks
 *   their certificate chain against the partner's CAs, and the authorizer admits only
 *   certificates of the devices CA, naming the partner as consumer to the backend.
 *
 * The two routes sit on two host names because API Gateway turns mutual TLS on per custom
 * domain, and a browser SPA has no client certificate to present.
 */
export class PartnerSpaStack extends Stack {
  public readonly spaGateway: Gateway;
  public readonly deviceGateway: Gateway;
  public readonly trustStore: TrustStore;

  constructor(scope: Construct, id: string, props: PartnerSpaStackProps = {}) {
    super(scope, id, props);

    const partnerIdp = new JwtValidator(this, 'PartnerIdp', {
      issuers: ['https://login.partner.example/'],
      audiences: ['https://api.orders.example.com'],
      keys: JwtKeys.fromDiscovery('https://login.partner.example/.well-known/openid-configuration'),
      algorithms: ['RS256', 'ES256'],
      requiredClaims: [{ claim: 'scope', values: ['orders.read'] }],
      forwardClaims: [{ claim: 'sub', header: 'X-Partner-User' }],
    });

    const webAclArn = createExampleWebAcl(this, 'PartnerWebAcl', {
      metricName: 'partner-gateways',
      managedRuleGroup: 'AWSManagedRulesKnownBadInputsRuleSet',
      requestsPerIpPerFiveMinutes: 1000,
    }).attrArn;
    this.spaGateway = new Gateway(this, 'SpaGateway', {
      defaultPolicy: AccessPolicy.jwt(partnerIdp),
      webAclArn,
      domain: {
        domainName: 'api.orders.example.com',
        certificate: importCertificate(this, 'SpaCertificate', 'spa'),
      },
      authorizerBundlePath: props.authorizerBundlePath,
    });
    const orders = this.spaGateway.addApi('orders', {
      description: 'Orders for the partner SPA, served by the legacy order system',
    });
    orders.addOperation('GET', '/orders', { backend: Backend.http(`${LEGACY_BACKEND}/orders`) });
    orders.addOperation('GET', '/orders/{orderId}', {
      backend: Backend.http(`${LEGACY_BACKEND}/orders/{orderId}`),
    });
    new BackendClientCertificate(this, 'LegacyBackendCertificate', {
      description: 'Gatehouse: presented to the legacy order backend, which requires mutual TLS',
    }).attachTo(orders);
    addCorsPreflight(orders.restApi, ['/orders', '/orders/{orderId}']);

    this.trustStore = new TrustStore(this, 'PartnerDeviceCAs', {
      certificates: [
        TrustStoreCertificate.fromPemFile(join(__dirname, 'certs', 'partner-root-ca.pem')),
        TrustStoreCertificate.fromPemFile(join(__dirname, 'certs', 'partner-devices-ca.pem')),
      ],
    });
    this.deviceGateway = new Gateway(this, 'DeviceGateway', {
      defaultPolicy: new ClientCertificatePolicy({
        trustStore: this.trustStore,
        allowedIdentities: [
          {
            issuerSubject: 'CN=Partner Devices CA,O=Partner Ltd,C=GB',
            consumerId: 'partner-ltd',
          },
        ],
        // The devices CA writes a CRL distribution point into every device certificate; the
        // authorizer fetches that CRL and denies a device when it cannot.
        revocation: CertificateRevocation.crl({ fetchDistributionPoints: true, requireCrl: true }),
      }),
      domain: {
        domainName: 'devices.orders.example.com',
        certificate: importCertificate(this, 'DeviceCertificate', 'devices'),
        mutualTls: { trustStore: this.trustStore },
      },
      // The device gateway's APIs are the only ones in the account that would need the
      // account-wide logging role, and the SPA gateway creates it already.
      cloudWatchRole: false,
      webAclArn,
      authorizerBundlePath: props.authorizerBundlePath,
    });
    const readings = this.deviceGateway.addApi('readings', {
      description: 'Order status readings sent by partner devices',
    });
    readings.addOperation('POST', '/readings', {
      backend: Backend.http(`${LEGACY_BACKEND}/device-readings`),
    });
  }
}

function importCertificate(scope: Construct, id: string, name: string): acm.ICertificate {
  const stack = Stack.of(scope);
  return acm.Certificate.fromCertificateArn(
    scope,
    id,
    `arn:${stack.partition}:acm:${stack.region}:${stack.account}:certificate/${name}-orders-example-com`,
  );
}

/**
 * Adds CORS preflight responses for the SPA's origin. The backend must still send
 * `Access-Control-Allow-Origin` on its own responses.
 */
function addCorsPreflight(restApi: apigw.RestApi, paths: string[]): void {
  for (const path of paths) {
    restApi.root.resourceForPath(path).addCorsPreflight({
      allowOrigins: [SPA_ORIGIN],
      allowMethods: ['GET'],
      allowHeaders: ['Authorization', 'Content-Type'],
    });
  }
}
