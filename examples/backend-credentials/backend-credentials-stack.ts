import { Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  AccessPolicy,
  Backend,
  BackendAuth,
  BasicAuth,
  ClientAuthentication,
  Gateway,
  JwtKeys,
  JwtValidator,
  TokenBroker,
} from '../../lib';
import { createExampleWebAcl } from '../shared/web-acl';

const IDENTITY_PROVIDER = 'https://login.example.com';

export interface BackendCredentialsStackProps extends StackProps {
  /**
   * Path of the authorizer bundle.
   *
   * @default - the bundle built by `npm run build:lambda`
   */
  readonly authorizerBundlePath?: string;
}

/**
 * Three ways a gateway authenticates to what is behind it. Partners that can only send Basic
 * credentials reach a legacy invoicing backend, which itself accepts only Basic credentials
 * of the gateway. Apps with tokens for the gateway reach a reporting backend with a client
 * credentials token of the gateway's own, and an orders backend with a token exchanged for
 * the caller's, so the backend sees who the caller is.
 */
export class BackendCredentialsStack extends Stack {
  public readonly gateway: Gateway;
  public readonly broker: TokenBroker;

  constructor(scope: Construct, id: string, props: BackendCredentialsStackProps = {}) {
    super(scope, id, props);

    const apps = new JwtValidator(this, 'Apps', {
      issuers: [`${IDENTITY_PROVIDER}/`],
      audiences: ['api://gateway'],
      keys: JwtKeys.fromDiscovery(`${IDENTITY_PROVIDER}/.well-known/openid-configuration`),
    });
    const partners = new BasicAuth(this, 'Partners', { realm: 'partners' });
    this.broker = new TokenBroker(this, 'Broker', { sharedCache: true });
    this.gateway = new Gateway(this, 'Gateway', {
      authorizerBundlePath: props.authorizerBundlePath,
      webAclArn: createExampleWebAcl(this, 'WebAcl', { metricName: 'backend-credentials' }).attrArn,
    });

    // Basic in, Basic out: the legacy backend trusts only the gateway's own password.
    const legacyLogin = new secretsmanager.Secret(this, 'LegacyInvoicingLogin', {
      description: 'Gatehouse example: user id and password the gateway sends to legacy invoicing',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'gatehouse' }),
        generateStringKey: 'password',
      },
    });
    const invoicing = this.gateway.addApi('invoicing', {
      policy: BackendAuth.basic({ broker: this.broker, secret: legacyLogin }).policy(
        partners.policy(),
      ),
    });
    invoicing.addOperation('POST', '/invoices', {
      backend: Backend.http('https://invoicing.legacy.example.com/invoices'),
    });

    // The gateway is the token's audience, and calls reporting as itself.
    const reportingClientSecret = new secretsmanager.Secret(this, 'ReportingClientSecret', {
      description: 'Gatehouse example: client secret of the gateway at the identity provider',
    });
    const asGateway = BackendAuth.clientCredentials({
      broker: this.broker,
      tokenEndpoint: `${IDENTITY_PROVIDER}/oauth2/token`,
      clientId: 'gatehouse-reporting',
      clientAuthentication: ClientAuthentication.clientSecretBasic(reportingClientSecret),
      scopes: ['reports.read'],
    });
    const reporting = this.gateway.addApi('reporting', {
      policy: asGateway.policy(AccessPolicy.jwt(apps)),
    });
    reporting.addOperation('GET', '/reports', {
      backend: Backend.http('https://reporting.internal.example.com/reports'),
    });

    // Token exchange: the orders backend sees the caller, with itself as the audience.
    const exchangeKey = new secretsmanager.Secret(this, 'OrdersExchangeKey', {
      description: 'Gatehouse example: private JWK the gateway signs client assertions with',
    });
    const onBehalfOfCaller = BackendAuth.tokenExchange({
      broker: this.broker,
      tokenEndpoint: `${IDENTITY_PROVIDER}/oauth2/token`,
      clientId: 'gatehouse-orders',
      clientAuthentication: ClientAuthentication.privateKeyJwt(exchangeKey, { algorithm: 'ES256' }),
      audience: 'api://orders',
      subjectValidator: apps,
    });
    const orders = this.gateway.addApi('orders', {
      policy: onBehalfOfCaller.policy(AccessPolicy.jwt(apps)),
    });
    orders.addOperation('GET', '/orders', {
      backend: Backend.http('https://orders.internal.example.com/orders'),
    });

    for (const secret of [legacyLogin, reportingClientSecret, exchangeKey]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The credential is issued by the backend or identity provider, which a Secrets Manager rotation function cannot change; it is replaced when the provider rotates it',
      });
    }
  }
}
