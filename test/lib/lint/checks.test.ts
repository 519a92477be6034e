import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { IConstruct } from 'constructs';
import { Api } from '../../../lib/api/api';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { ApiPlacement, Gateway } from '../../../lib/gateway/gateway';
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

/** The parts of a declared gateway that a test may acknowledge a finding on. */
interface DeclaredParts {
  readonly gateway: Gateway;
  readonly orders: Api;
  readonly billing: Api;
  readonly method: apigw.Method;
}

type PartOf = (parts: DeclaredParts) => IConstruct;

interface ReportedViolation {
  readonly ruleName: string;
  readonly reason?: string;
  readonly violatingConstructs: { readonly constructPath: string }[];
}

const PLACEMENTS: [string, ApiPlacement][] = [
  ['gateway stack', ApiPlacement.GATEWAY_STACK],
  ['nested stack per API', ApiPlacement.NESTED_STACK_PER_API],
];

const ACKNOWLEDGED_ON: [string, PartOf][] = [
  ['method', (parts) => parts.method],
  ['API', (parts) => parts.orders],
  ['gateway', (parts) => parts.gateway],
];

/**
 * Returns a declaration of a gateway with `orders` and `billing` APIs, placed as given, where
 * `addMethod` adds a method to `orders` that a check reports. The declaration then passes the
 * parts to `acknowledge`.
 */
function declareGateway(
  placement: ApiPlacement,
  addMethod: (orders: Api) => apigw.Method,
  acknowledge: (parts: DeclaredParts) => void,
) {
  return (stack: Stack) => {
    const gateway = new Gateway(stack, 'Gateway', {
      defaultPolicy: AccessPolicy.jwt(validator(stack)),
      apiPlacement: placement,
    });
    const orders = gateway.addApi('orders');
    orders.addOperation('GET', '/orders', { backend: BACKEND });
    const billing = gateway.addApi('billing');
    billing.addOperation('GET', '/invoices', { backend: BACKEND });
    acknowledge({ gateway, orders, billing, method: addMethod(orders) });
  };
}

/** Adds POST /orders and overrides its method so it skips the authorizer. */
function unenforcedMethod(orders: Api): apigw.Method {
  const method = orders.addOperation('POST', '/orders', { backend: BACKEND });
  const cfnMethod = method.node.defaultChild as apigw.CfnMethod;
  cfnMethod.addPropertyOverride('AuthorizationType', 'NONE');
  cfnMethod.addPropertyDeletionOverride('AuthorizerId');
  return method;
}

/** Adds GET /debug to the REST API directly, outside Gatehouse, open to every caller. */
function undeclaredMethod(orders: Api): apigw.Method {
  return orders.restApi.root
    .addResource('debug')
    .addMethod('GET', new apigw.HttpIntegration('https://debug.internal.example.com/'));
}

function acknowledgeOn(part: PartOf, id: string, reason: string) {
  return (parts: DeclaredParts) => Validations.of(part(parts)).acknowledge({ id, reason });
}

/** Returns the Gatehouse violations of a validation report, open and acknowledged. */
function gatehouseViolations(assembly: string): {
  open: ReportedViolation[];
  acknowledged: ReportedViolation[];
} {
  const report = JSON.parse(readFileSync(join(assembly, 'validation-report.json'), 'utf8')) as {
    pluginReports: {
      pluginName: string;
      violations: ReportedViolation[];
      suppressedViolations?: ReportedViolation[];
    }[];
  };
  const gatehouse = report.pluginReports.filter((plugin) => plugin.pluginName === 'Gatehouse');
  return {
    open: gatehouse.flatMap((plugin) => plugin.violations),
    acknowledged: gatehouse.flatMap((plugin) => plugin.suppressedViolations ?? []),
  };
}

describe.each(PLACEMENTS)('GatehouseChecks acknowledgements, %s placement', (_name, placement) => {
  test.each(ACKNOWLEDGED_ON)('NotEnforced acknowledged on the %s passes', (_part, part) => {
    const app = appWithChecks();
    const reason = 'POST /orders is opened on purpose for a load test';
    const declare = declareGateway(
      placement,
      unenforcedMethod,
      acknowledgeOn(part, 'Gatehouse::NotEnforced', reason),
    );

    const assembly = synthAssembly(declare, app);

    const { open, acknowledged } = gatehouseViolations(assembly);
    expect(open).toEqual([]);
    expect(acknowledged.map((violation) => violation.ruleName)).toEqual(['NotEnforced']);
    expect(acknowledged[0].reason).toBe(reason);
    expect(acknowledged[0].violatingConstructs[0].constructPath).toMatch(
      /^Shop\/Gateway\/orders\/.*\/POST\//,
    );
  });

  test('NotEnforced acknowledged on another API fails', () => {
    const app = appWithChecks();
    const declare = declareGateway(
      placement,
      unenforcedMethod,
      acknowledgeOn((parts) => parts.billing, 'Gatehouse::NotEnforced', 'billing only'),
    );

    const error = thrownBy(() => synthAssembly(declare, app));

    expect(error.message).toMatch(/Gatehouse::NotEnforced/);
    expect(error.message).toMatch(/POST \/orders of API 'orders'/);
  });

  test.each(ACKNOWLEDGED_ON)('OpenUndeclaredMethod acknowledged on %s passes', (_part, part) => {
    const app = appWithChecks();
    const reason = 'GET /debug is open while the team debugs a backend';
    const declare = declareGateway(
      placement,
      undeclaredMethod,
      acknowledgeOn(part, 'Gatehouse::OpenUndeclaredMethod', reason),
    );

    const assembly = synthAssembly(declare, app);

    const { open, acknowledged } = gatehouseViolations(assembly);
    expect(open).toEqual([]);
    expect(acknowledged.map((violation) => violation.ruleName)).toEqual(['OpenUndeclaredMethod']);
    expect(acknowledged[0].reason).toBe(reason);
  });

  test('OpenUndeclaredMethod without acknowledgement stays open', () => {
    const app = appWithChecks();
    const declare = declareGateway(placement, undeclaredMethod, () => undefined);

    const assembly = synthAssembly(declare, app);

    const { open, acknowledged } = gatehouseViolations(assembly);
    expect(open.map((violation) => violation.ruleName)).toEqual(['OpenUndeclaredMethod']);
    expect(open[0].violatingConstructs[0].constructPath).toMatch(/^Shop\/Gateway\/orders\//);
    expect(acknowledged).toEqual([]);
  });
});
