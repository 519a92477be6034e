import { Duration, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { Template } from 'aws-cdk-lib/assertions';
import { Backend } from '../../lib/api/backend';
import { AccessPolicy } from '../../lib/core/access-policy';
import { Gateway } from '../../lib/gateway/gateway';
import { TokenSource } from '../../lib/jwt-validator/token-source';
import { Product } from '../../lib/product/product';
import { SubscriptionRegistry } from '../../lib/subscription/subscription-registry';
import { TrustStore } from '../../lib/trust-store/trust-store';
import { TrustStoreCertificate } from '../../lib/trust-store/trust-store-certificate';
import { CertificateLab } from '../support/certificates';
import { newStack, newValidator } from '../lib/helpers';

interface GatewayOptions {
  readonly requiredRole?: string;
  readonly cacheTtl?: Duration;
  readonly tokenHeader?: string;
  readonly extraOperation?: boolean;
}

/** Builds a one-API gateway whose parts a test varies, and returns its template. */
function gatewayTemplate(options: GatewayOptions = {}): Template {
  const stack = newStack();
  const validator = newValidator(stack, {
    tokenSources: options.tokenHeader ? [TokenSource.header(options.tokenHeader)] : undefined,
  });
  const gateway = new Gateway(stack, 'Gateway', {
    defaultPolicy: AccessPolicy.jwt(validator),
    authorizerCacheTtl: options.cacheTtl,
  });
  const orders = gateway.addApi('orders');
  const backend = Backend.http('https://orders.example.com/');
  orders.addOperation('GET', '/orders', { backend });
  orders.addOperation('DELETE', '/orders/{id}', {
    backend,
    policy: AccessPolicy.jwt(validator, {
      requiredClaims: [{ claim: 'roles', values: [options.requiredRole ?? 'admin'] }],
    }),
  });
  if (options.extraOperation) {
    orders.addOperation('GET', '/orders/{id}', { backend });
  }
  return Template.fromStack(stack);
}

function deploymentIds(template: Template): string[] {
  return Object.keys(template.findResources('AWS::ApiGateway::Deployment'));
}

describe('API deployments', () => {
  let baseline: string[];

  beforeAll(() => {
    baseline = deploymentIds(gatewayTemplate());
  });

  test('an unchanged gateway keeps its deployment', () => {
    expect(deploymentIds(gatewayTemplate())).toEqual(baseline);
  });

  test.each<[string, GatewayOptions]>([
    ['a changed required claim', { requiredRole: 'orders-admin' }],
    ['a changed authorizer cache TTL', { cacheTtl: Duration.minutes(5) }],
    ['a changed token header', { tokenHeader: 'X-Access-Token' }],
    ['an added operation', { extraOperation: true }],
  ])('%s produces a new deployment', (_name, options) => {
    const after = deploymentIds(gatewayTemplate(options));

    expect(after).toHaveLength(1);
    expect(after).not.toEqual(baseline);
  });
});

describe('usage plans', () => {
  test('wait for the stage they name', () => {
    const stack = newStack();
    const registry = new SubscriptionRegistry(stack, 'Subscriptions');
    const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: registry.keyPolicy() });
    const orders = gateway.addApi('orders');
    orders.addOperation('GET', '/orders', { backend: Backend.mock() });
    new Product(stack, 'Trial', { registry, apis: [orders] });

    const template = Template.fromStack(stack);

    const stageIds = Object.keys(template.findResources('AWS::ApiGateway::Stage'));
    const plans = Object.values(template.findResources('AWS::ApiGateway::UsagePlan')) as {
      Properties: { ApiStages: { Stage: unknown }[] };
      DependsOn?: string[];
    }[];
    expect(stageIds).toHaveLength(1);
    expect(plans).toHaveLength(1);
    const waits =
      plans[0].Properties.ApiStages.every(
        (apiStage) => JSON.stringify(apiStage.Stage) === JSON.stringify({ Ref: stageIds[0] }),
      ) || (plans[0].DependsOn ?? []).includes(stageIds[0]);
    expect(waits).toBe(true);
  });
});

describe('declared subscriptions', () => {
  function subscriptionIds(names: readonly string[]): Record<string, string[]> {
    const stack = newStack();
    const registry = new SubscriptionRegistry(stack, 'Subscriptions');
    const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: registry.keyPolicy() });
    const orders = gateway.addApi('orders');
    orders.addOperation('GET', '/orders', { backend: Backend.mock() });
    const product = new Product(stack, 'Trial', { registry, apis: [orders] });
    for (const name of names) {
      registry.addSubscription(name, { owner: `${name}@example.com`, product });
    }
    const resources = Template.fromStack(stack).toJSON().Resources as Record<
      string,
      { Type: string; Properties?: Record<string, unknown> }
    >;
    return Object.fromEntries(
      names.map((name) => [
        name,
        Object.entries(resources)
          .filter(([, resource]) =>
            JSON.stringify(resource.Properties ?? {}).includes(`${name}@example.com`),
          )
          .map(([id]) => id)
          .sort(),
      ]),
    );
  }

  test('keep their logical ids when another one is removed', () => {
    const before = subscriptionIds(['Alpha', 'Bravo', 'Charlie']);

    const after = subscriptionIds(['Alpha', 'Charlie']);

    expect(before.Charlie.length).toBeGreaterThan(0);
    expect(after.Charlie).toEqual(before.Charlie);
    expect(after.Alpha).toEqual(before.Alpha);
  });
});

describe('trust store', () => {
  let lab: CertificateLab;

  beforeAll(() => {
    lab = new CertificateLab();
  });

  afterAll(() => lab.dispose());

  test('the custom domain pins the uploaded bundle version', () => {
    const stack: Stack = newStack();
    const root = lab.rootCa({ subject: [['CN', 'Pinned Root CA']] });
    const store = new TrustStore(stack, 'PartnerCAs', {
      certificates: [TrustStoreCertificate.fromPem(root.pem)],
    });
    const certificate = acm.Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-1:123456789012:certificate/partners',
    );
    const gateway = new Gateway(stack, 'Gateway', {
      defaultPolicy: AccessPolicy.jwt(newValidator(stack)),
      domain: { domainName: 'partners.example.com', certificate, mutualTls: { trustStore: store } },
    });
    gateway.addApi('devices').addOperation('GET', '/devices', { backend: Backend.mock() });

    const template = Template.fromStack(stack);

    const domains = Object.values(template.findResources('AWS::ApiGateway::DomainName')) as {
      Properties: {
        MutualTlsAuthentication?: { TruststoreVersion?: unknown; TruststoreUri?: unknown };
      };
    }[];
    expect(domains).toHaveLength(1);
    const version = JSON.stringify(
      domains[0].Properties.MutualTlsAuthentication?.TruststoreVersion,
    );
    expect(version).toMatch(/"Fn::GetAtt":\["PartnerCAs[A-Za-z0-9]*","VersionId"\]/);
  });
});
