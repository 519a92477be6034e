import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Backend } from '../../../lib/api/backend';
import { GatehouseChecks } from '../../../lib/lint';
import { synthAssembly, gatewayWith, validator } from '../report/fixtures';

const BACKEND = Backend.http('https://orders.internal.example.com/orders');

function thrownBy(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error, none was thrown');
}

function appWithChecks(): App {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-checks-')) });
  Validations.of(app).addPlugins(new GatehouseChecks());
  return app;
}

/** Declares a gateway whose validator accepts any audience; `acknowledge` may excuse it. */
function anyAudienceGateway(acknowledge?: (stack: Stack) => void) {
  return (stack: Stack) => {
    const sso = validator(stack, { audiences: undefined, allowAnyAudience: true });
    gatewayWith(stack, sso).addApi('orders').addOperation('GET', '/orders', { backend: BACKEND });
    acknowledge?.(stack);
  };
}

describe('GatehouseChecks', () => {
  test('fails the synth on an error finding and names the rule', () => {
    const app = appWithChecks();

    const error = thrownBy(() => synthAssembly(anyAudienceGateway(), app));

    expect(error.message).toMatch(/accepts tokens for any audience/);
    expect(error.message).toMatch(/Gatehouse::AnyAudience/);
  });

  test('passes once the finding is acknowledged on the validator', () => {
    const app = appWithChecks();
    const declare = anyAudienceGateway((stack) =>
      Validations.of(stack.node.findChild('Sso')).acknowledge({
        id: 'Gatehouse::AnyAudience',
        reason: 'the issuer mints tokens for this API only',
      }),
    );

    const assembly = synthAssembly(declare, app);

    const report = JSON.parse(readFileSync(join(assembly, 'validation-report.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain('the issuer mints tokens for this API only');
  });

  test('acknowledges a finding on a method from the stack', () => {
    const app = appWithChecks();
    const declare = (stack: Stack) => {
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      const method = api.addOperation('POST', '/orders', { backend: BACKEND });
      const cfnMethod = method.node.defaultChild as apigw.CfnMethod;
      cfnMethod.addPropertyOverride('AuthorizationType', 'NONE');
      cfnMethod.addPropertyDeletionOverride('AuthorizerId');
      Validations.of(stack).acknowledge({
        id: 'Gatehouse::NotEnforced',
        reason: 'POST /orders is opened on purpose for a load test',
      });
    };

    expect(() => synthAssembly(declare, app)).not.toThrow();
  });

  test('lets the synth pass with a warning finding', () => {
    const app = appWithChecks();
    const declare = (stack: Stack) => {
      const api = gatewayWith(stack, validator(stack)).addApi('orders');
      api.addOperation('GET', '/orders', { backend: BACKEND });
      api.restApi.root
        .addResource('debug')
        .addMethod('GET', new apigw.HttpIntegration('https://debug.internal.example.com/'));
    };

    const assembly = synthAssembly(declare, app);

    const report = readFileSync(join(assembly, 'validation-report.json'), 'utf8');
    expect(report).toContain('OpenUndeclaredMethod');
  });

  test('passes a gateway with no findings', () => {
    const app = appWithChecks();

    const synth = () =>
      synthAssembly((stack) => {
        gatewayWith(stack, validator(stack))
          .addApi('orders')
          .addOperation('GET', '/orders', { backend: BACKEND });
      }, app);

    expect(synth).not.toThrow();
  });
});
