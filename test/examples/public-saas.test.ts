import { Template } from 'aws-cdk-lib/assertions';
import { PublicSaasStack } from '../../examples/public-saas/public-saas-stack';
import { nagViolations, newTestApp as newApp } from '../support/nag';

describe('PublicSaasStack', () => {
  test('passes the AwsSolutions checks', () => {
    const app = newApp();
    new PublicSaasStack(app, 'PublicSaas');

    const violations = nagViolations(app);

    expect(violations).toEqual([]);
  });

  test('lists both products with their APIs in the authorizer config', () => {
    const stack = new PublicSaasStack(newApp(), 'PublicSaas');

    Template.fromStack(stack);

    const registry =
      stack.gateway.authorizerConfig?.subscriptionRegistries?.[stack.registry.registryId];
    expect(registry?.products).toEqual({
      'free-trial': ['catalog', 'orders'],
      paid: ['catalog', 'orders', 'billing'],
    });
  });

  test('needs a key and a client-credentials token for billing', () => {
    const stack = new PublicSaasStack(newApp(), 'PublicSaas');

    Template.fromStack(stack);

    const [invoices] = stack.gateway.authorizerConfig!.apis.billing.operations;
    expect(invoices.access.kind).toBe('allOf');
    expect(JSON.stringify(invoices.access)).toContain('"kind":"subscriptionKey"');
    expect(JSON.stringify(invoices.access)).toContain('"values":["billing.read"]');
  });

  test('trial quota is daily, paid quota monthly', () => {
    const stack = new PublicSaasStack(newApp(), 'PublicSaas');

    const plans = Template.fromStack(stack).findResources('AWS::ApiGateway::UsagePlan');

    const quotas = Object.values(plans).map(
      (plan) => (plan.Properties as { Quota: unknown }).Quota,
    );
    expect(quotas).toEqual([
      { Limit: 500, Period: 'DAY' },
      { Limit: 5_000_000, Period: 'MONTH' },
    ]);
  });
});
