import type { OperationConfig } from '../../../lambda/policy/config';
import {
  allowedResourceArns,
  operationPattern,
  patternsOverlap,
  stageArn,
} from '../../../lambda/policy/method-arn';

const STAGE = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod';
const op = (method: OperationConfig['method'], path: string): OperationConfig => ({
  method,
  path,
  authorizer: 'a',
  access: { kind: 'anonymous' },
});

describe('stageArn', () => {
  test.each([[`${STAGE}/GET/orders`], [`${STAGE}/GET/`], [`${STAGE}/GET/files/a:b`]])(
    'returns the stage prefix of %s',
    (arn) => {
      expect(stageArn(arn)).toBe(STAGE);
    },
  );

  test.each([
    ['no method', STAGE],
    ['an empty api id', 'arn:aws:execute-api:eu-west-1:123456789012:/prod/GET/'],
    ['another service', 'arn:aws:s3:::bucket/prod/GET/'],
    ['no ARN at all', 'orders'],
  ])('rejects a method ARN with %s', (_name, arn) => {
    expect(() => stageArn(arn)).toThrow('is not an execute-api method ARN');
  });
});

describe('operationPattern', () => {
  test.each([
    [op('GET', '/orders/{id}'), 'GET/orders/*'],
    [op('ANY', '/'), '*/'],
    [op('POST', '/files/{proxy+}'), 'POST/files/*'],
  ])('turns an operation into %s', (operation, pattern) => {
    expect(operationPattern(operation)).toBe(pattern);
  });
});

describe('patternsOverlap', () => {
  test.each([
    ['GET/orders/*', 'GET/orders/*/items', true],
    ['GET/orders/*', 'GET/orders/me', true],
    ['*/admin/*', 'DELETE/admin/x', true],
    ['GET/orders', 'GET/orders', true],
    ['GET/orders', 'GET/orders/*', false],
    ['GET/orders/*', 'DELETE/orders/*', false],
    ['GET/a/*/c', 'GET/a/b/*', true],
    ['GET/a/*/c', 'GET/a/b/d', false],
  ])('%s and %s overlap: %s', (a, b, expected) => {
    expect(patternsOverlap(a, b)).toBe(expected);
    expect(patternsOverlap(b, a)).toBe(expected);
  });
});

describe('allowedResourceArns', () => {
  test('lists wildcard patterns when nothing denied overlaps', () => {
    const arns = allowedResourceArns(
      `${STAGE}/GET/orders/7`,
      [op('GET', '/orders/{id}'), op('ANY', '/health')],
      [],
    );

    expect(arns).toEqual([`${STAGE}/GET/orders/*`, `${STAGE}/*/health`]);
  });

  test('uses the exact method ARN when the pattern would cover a denied operation', () => {
    const arns = allowedResourceArns(
      `${STAGE}/GET/orders/7`,
      [op('GET', '/orders/{id}')],
      [op('GET', '/orders/{id}/items')],
    );

    expect(arns).toEqual([`${STAGE}/GET/orders/7`]);
  });

  test('drops another allowed operation whose pattern covers a denied one', () => {
    const arns = allowedResourceArns(
      `${STAGE}/GET/orders`,
      [op('GET', '/orders'), op('GET', '/orders/{id}')],
      [op('GET', '/orders/{id}/items')],
    );

    expect(arns).toEqual([`${STAGE}/GET/orders`]);
  });

  test('returns nothing when the exact method ARN holds a wildcard', () => {
    const arns = allowedResourceArns(
      `${STAGE}/GET/orders/*`,
      [op('GET', '/orders/{id}')],
      [op('GET', '/orders/{id}/items')],
    );

    expect(arns).toEqual([]);
  });
});
