import { Stack, StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  AccessPolicy,
  Backend,
  Gateway,
  JwtKeys,
  JwtValidator,
  Product,
  SubscriptionPersonaRoles,
  SubscriptionRegistry,
} from '../../lib';
import { createExampleWebAcl } from '../shared/web-acl';

export interface PublicSaasStackProps extends StackProps {
  /**
   * Path of the authorizer bundle.
   *
   * @default - the bundle built by `npm run build:lambda`
   */
  readonly authorizerBundlePath?: string;
}

/**
 * Public APIs of a SaaS business, sold as two products. Anyone may sign up for the free
 * trial and gets a key at once, with a small daily quota. The paid product waits for an
 * operator's approval, has a high monthly quota, and its billing API also needs an OAuth 2.0
 * client-credentials token from the company's authorization server. One partner's
 * subscription is declared here, so its keys arrive in a secret at deploy time.
 */
export class PublicSaasStack extends Stack {
  public readonly gateway: Gateway;
  public readonly registry: SubscriptionRegistry;
  public readonly trial: Product;
  public readonly paid: Product;

  constructor(scope: Construct, id: string, props: PublicSaasStackProps = {}) {
    super(scope, id, props);

    this.registry = new SubscriptionRegistry(this, 'Subscriptions', {
      expectedSubscriptions: 2000,
    });
    const anyKey = this.registry.keyPolicy({ header: 'X-Subscription-Key' });
    const machineTokens = new JwtValidator(this, 'MachineTokens', {
      issuers: ['https://auth.saas.example.com/'],
      audiences: ['https://api.saas.example.com/billing'],
      keys: JwtKeys.fromDiscovery('https://auth.saas.example.com/.well-known/openid-configuration'),
      algorithms: ['RS256', 'ES256'],
    });

    this.gateway = new Gateway(this, 'Gateway', {
      defaultPolicy: anyKey,
      webAclArn: createExampleWebAcl(this, 'WebAcl', {
        metricName: 'public-saas',
        requestsPerIpPerFiveMinutes: 3000,
      }).attrArn,
      authorizerBundlePath: props.authorizerBundlePath,
    });
    const backend = 'https://backend.saas.example.com';

    const catalog = this.gateway.addApi('catalog', { description: 'Product catalog' });
    catalog.addOperation('GET', '/products', { backend: Backend.http(`${backend}/products`) });
    catalog.addOperation('GET', '/products/{productId}', {
      backend: Backend.http(`${backend}/products/{productId}`),
    });

    const orders = this.gateway.addApi('orders', { description: 'Orders placed by subscribers' });
    orders.addOperation('GET', '/orders', { backend: Backend.http(`${backend}/orders`) });
    const placeOrder = orders.addOperation('POST', '/orders', {
      backend: Backend.http(`${backend}/orders`),
    });

    const billing = this.gateway.addApi('billing', {
      description: 'Invoices, for paid subscribers with a client-credentials token',
      policy: AccessPolicy.allOf(
        anyKey,
        AccessPolicy.jwt(machineTokens, {
          requiredClaims: [{ claim: 'scope', values: ['billing.read'] }],
        }),
      ),
    });
    billing.addOperation('GET', '/invoices', { backend: Backend.http(`${backend}/invoices`) });

    this.trial = new Product(this, 'FreeTrial', {
      registry: this.registry,
      productId: 'free-trial',
      apis: [catalog, orders],
      throttle: { ratePerSecond: 2, burst: 5 },
      operationThrottles: [{ operation: placeOrder, throttle: { ratePerSecond: 0.2, burst: 1 } }],
      quota: { limit: 500, period: apigw.Period.DAY },
      maxSubscriptionsPerOwner: 1,
      termsOfUse: { version: '2026-01', url: 'https://saas.example.com/terms/2026-01' },
    });
    this.paid = new Product(this, 'Paid', {
      registry: this.registry,
      productId: 'paid',
      apis: [catalog, orders, billing],
      throttle: { ratePerSecond: 100, burst: 200 },
      quota: { limit: 5_000_000, period: apigw.Period.MONTH },
      approvalRequired: true,
      termsOfUse: { version: '2026-01', url: 'https://saas.example.com/terms/2026-01' },
    });

    this.registry.addSubscription('ResellerPartner', {
      owner: 'partner:reseller-one',
      product: this.paid,
      acceptTerms: '2026-01',
      approve: true,
    });
    new SubscriptionPersonaRoles(this, 'ManagementRoles', {
      registry: this.registry,
      products: [this.trial, this.paid],
      assumedBy: new iam.AccountRootPrincipal(),
    });
  }
}
