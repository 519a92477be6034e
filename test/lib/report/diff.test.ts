import { Stack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy, RequiredClaim } from '../../../lib/core/access-policy';
import { AccessChange, diffReports } from '../../../lib/report/diff';
import { renderDiffMarkdown } from '../../../lib/report/diff-markdown';
import { AccessReport, EffectivePolicyReport, OperationReport } from '../../../lib/report/model';
import { AUDIENCE, gatewayWith, reportOf, validator } from './fixtures';

const BACKEND = Backend.http('https://orders.internal.example.com/orders');

interface ShopOptions {
  readonly audiences?: string[];
  readonly deleteClaims?: RequiredClaim[];
  readonly listAnonymous?: boolean;
  readonly dailyQuota?: number;
}

/** Declares one version of a small shop API; each option changes one thing. */
function shop(options: ShopOptions = {}) {
  return (stack: Stack) => {
    const sso = validator(stack, { audiences: options.audiences ?? [AUDIENCE] });
    const api = gatewayWith(stack, sso).addApi('orders');
    api.addOperation('GET', '/orders', {
      backend: BACKEND,
      policy: options.listAnonymous ? AccessPolicy.anonymous() : undefined,
    });
    api.addOperation('DELETE', '/orders/{id}', {
      backend: BACKEND,
      policy: AccessPolicy.jwt(sso, {
        requiredClaims: options.deleteClaims ?? [{ claim: 'roles', values: ['Orders.Admin'] }],
      }),
    });
    const plan = api.restApi.addUsagePlan('Trial', {
      name: 'trial',
      quota: { limit: options.dailyQuota ?? 1000, period: apigw.Period.DAY },
    });
    plan.addApiStage({ stage: api.restApi.deploymentStage });
  };
}

function summary(changes: AccessChange[]): string[] {
  return changes.map((change) => `${change.direction}: ${change.operation}: ${change.summary}`);
}

describe('diffReports', () => {
  let before: EffectivePolicyReport;

  beforeAll(() => {
    before = reportOf(shop());
  });

  test('finds no change between two synths of the same code', () => {
    const after = reportOf(shop());

    expect(diffReports(before, after).changes).toEqual([]);
  });

  test('names a widened audience, a removed claim, an anonymous operation and a raised quota', () => {
    const after = reportOf(
      shop({
        audiences: [AUDIENCE, 'api://legacy'],
        deleteClaims: [],
        listAnonymous: true,
        dailyQuota: 5000,
      }),
    );

    const changes = diffReports(before, after).changes;

    expect(summary(changes)).toEqual([
      'wider: DELETE /orders/{id}: audience added',
      'wider: DELETE /orders/{id}: required claim removed',
      'wider: DELETE /orders/{id}: quota raised',
      'wider: GET /orders: operation made anonymous',
      'wider: GET /orders: quota raised',
    ]);
    expect(changes[0].detail).toBe('api://legacy');
    expect(changes[1].detail).toBe('roles (all of Orders.Admin)');
    expect(changes[2].detail).toBe('trial on live: 1000 per day -> 5000 per day');
  });

  test('lists narrowing after widening', () => {
    const after = reportOf(
      shop({
        deleteClaims: [{ claim: 'roles', values: ['Orders.Admin', 'Orders.Owner'] }],
        dailyQuota: 5000,
      }),
    );

    const changes = diffReports(before, after).changes;

    expect(summary(changes)).toEqual([
      'wider: DELETE /orders/{id}: quota raised',
      'wider: GET /orders: quota raised',
      'narrower: DELETE /orders/{id}: required claim value added',
    ]);
  });

  test('reports a restored policy as narrower', () => {
    const opened = reportOf(shop({ listAnonymous: true }));

    const changes = diffReports(opened, before).changes;

    expect(summary(changes)).toEqual(['narrower: GET /orders: credentials now required']);
  });

  test('reports added and removed operations', () => {
    const operations = before.gateways[0].apis[0].operations;
    const added: OperationReport = { ...operations[0], method: 'PATCH' };
    const withExtra = replaceOperations(before, [...operations, added]);

    expect(summary(diffReports(before, withExtra).changes)).toEqual([
      'wider: PATCH /orders: operation added',
    ]);
    expect(summary(diffReports(withExtra, before).changes)).toEqual([
      'narrower: PATCH /orders: operation removed',
    ]);
  });
});

describe('diffReports on required claims', () => {
  const claimCases: [string, string[], string[], 'all' | 'any', string][] = [
    ['fewer values under all', ['a', 'b'], ['a'], 'all', 'wider: required claim value removed'],
    ['more values under all', ['a'], ['a', 'b'], 'all', 'narrower: required claim value added'],
    ['more values under any', ['a'], ['a', 'b'], 'any', 'wider: required claim value added'],
    ['fewer values under any', ['a', 'b'], ['a'], 'any', 'narrower: required claim value removed'],
  ];

  test.each(claimCases)('ranks %s', (_name, oldValues, newValues, match, expected) => {
    const beforeReport = reportWithClaim(oldValues, match);
    const afterReport = reportWithClaim(newValues, match);

    const changes = diffReports(beforeReport, afterReport).changes;

    expect(changes.map((change) => `${change.direction}: ${change.summary}`)).toEqual([expected]);
  });

  test('ranks a switch from all to any as wider', () => {
    const changes = diffReports(
      reportWithClaim(['a', 'b'], 'all'),
      reportWithClaim(['a', 'b'], 'any'),
    ).changes;

    expect(changes.map((change) => change.direction)).toEqual(['wider']);
  });
});

describe('renderDiffMarkdown', () => {
  test('puts the wider section before the narrower one', () => {
    const diff = diffReports(reportWithClaim(['a', 'b'], 'all'), reportWithClaim(['a'], 'all'));
    const reverse = diffReports(reportWithClaim(['a'], 'all'), reportWithClaim(['a', 'b'], 'all'));
    const both = { changes: [...diff.changes, ...reverse.changes] };

    const markdown = renderDiffMarkdown(both);

    expect(markdown).toContain('1 wider, 1 narrower, 0 changed.');
    expect(markdown.indexOf('## Wider')).toBeLessThan(markdown.indexOf('## Narrower'));
  });
});

/** Returns a report with one JWT operation whose `roles` claim must hold `values`. */
function reportWithClaim(values: string[], match: 'all' | 'any'): EffectivePolicyReport {
  const access: AccessReport = {
    kind: 'jwt',
    validator: 'Shop/Sso',
    issuers: [{ exact: 'https://login.example.com/' }],
    audiences: [AUDIENCE],
    algorithms: ['RS256'],
    keys: { kind: 'jwks', url: 'https://login.example.com/keys' },
    tokenSources: [{ in: 'header', name: 'Authorization', scheme: 'Bearer' }],
    requiredClaims: [{ claim: 'roles', values, match, from: 'policy' }],
    requireExpiry: true,
    clockSkewSeconds: 60,
    maxTokenAgeSeconds: null,
    requireCertificateBinding: false,
    forwardedClaims: [],
  };
  const operation: OperationReport = {
    method: 'GET',
    path: '/orders',
    methodLogicalId: 'Method',
    access,
    enforced: true,
    caching: { authorizer: 'cached', ttlSeconds: 60, identitySources: [] },
    products: [],
    backend: { integration: 'mock', target: null, authentication: [], headersFromAuthorizer: [] },
  };
  return {
    formatVersion: 1,
    gateways: [
      {
        stack: 'Shop',
        gateway: 'Shop/Gateway',
        authorizerFunction: 'Authorizer',
        authorizerAsset: 'asset.x',
        problems: [],
        apis: [
          {
            key: 'orders',
            name: 'Shop/Gateway/orders',
            stages: [],
            operations: [operation],
            undeclaredMethods: [],
          },
        ],
      },
    ],
  };
}

function replaceOperations(
  report: EffectivePolicyReport,
  operations: OperationReport[],
): EffectivePolicyReport {
  const [gateway] = report.gateways;
  const [api] = gateway.apis;
  return { ...report, gateways: [{ ...gateway, apis: [{ ...api, operations }] }] };
}
