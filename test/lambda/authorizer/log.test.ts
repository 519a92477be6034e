import { decisionLine } from '../../../lambda/authorizer/log';
import { Decision } from '../../../lambda/policy/decide';
import { AccessDenied } from '../../../lambda/policy/failure';
import { AuthRequest } from '../../../lambda/policy/request';

const request: AuthRequest = {
  requestId: 'req-"1"',
  api: 'orders',
  method: 'GET',
  resourcePath: '/orders/{id}',
  methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/orders/1',
  headers: new Map(),
  query: new Map(),
  now: 0,
};

const api = { name: 'orders' } as never;
const operation = { method: 'GET', path: '/orders/{id}' } as never;

function allow(principalId: string | undefined): Decision {
  return {
    allowed: true,
    api,
    operation,
    allowedOperations: [operation, operation],
    deniedOperations: [],
    resources: [request.methodArn],
    grant: { principalId, context: {} },
  };
}

function deny(failure: AccessDenied, withOperation = true): Decision {
  return withOperation ? { allowed: false, api, operation, failure } : { allowed: false, failure };
}

describe('decisionLine', () => {
  test('writes an allow with its principal and operation count', () => {
    const line = decisionLine(allow('user\n1'), request, 0.123456);

    expect(JSON.parse(line)).toEqual({
      level: 'INFO',
      code: 'ALLOWED',
      decision: 'allow',
      status: 200,
      api: 'orders',
      operation: 'GET /orders/{id}',
      requestId: 'req-"1"',
      principal: 'user\n1',
      allowedOperations: 2,
      latencyMs: 0.12,
    });
    expect(line).not.toContain('\n');
  });

  test('leaves the principal out of an allow without one', () => {
    const entry = JSON.parse(decisionLine(allow(undefined), request, 1));

    expect(Object.keys(entry)).not.toContain('principal');
  });

  test('writes a denial at WARN with its code, status and reason', () => {
    const failure = new AccessDenied('CLAIM_MISMATCH', 403, 'claim "roles" lacks "a\\b"');

    const entry = JSON.parse(decisionLine(deny(failure), request, 2.5));

    expect(entry).toEqual({
      level: 'WARN',
      code: 'CLAIM_MISMATCH',
      decision: 'deny',
      status: 403,
      api: 'orders',
      operation: 'GET /orders/{id}',
      requestId: 'req-"1"',
      reason: 'claim "roles" lacks "a\\b"',
      latencyMs: 2.5,
    });
  });

  test('logs an internal error without operation at ERROR', () => {
    const failure = new AccessDenied('INTERNAL_ERROR', 403, 'config not loaded');

    const entry = JSON.parse(decisionLine(deny(failure, false), { ...request, api: 'x' }, 0));

    expect(entry.level).toBe('ERROR');
    expect(entry.api).toBe('x');
    expect(entry.operation).toBe('GET /orders/{id}');
    expect(Object.keys(entry)).not.toContain('principal');
    expect(Object.keys(entry)).not.toContain('allowedOperations');
  });
});
