import { randomUUID } from 'node:crypto';

/** Stage variable value, method and resource of the operation every benchmark request calls. */
export const BENCH_API = 'orders';
export const BENCH_METHOD = 'GET';
export const BENCH_RESOURCE = '/orders/{orderId}';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/orders/42';

/** Returns an API Gateway (REST) REQUEST authorizer event carrying `Authorization: Bearer`. */
export function requestEvent(token: string): Record<string, unknown> {
  const headers = {
    Accept: 'application/json',
    Authorization: `Bearer ${token}`,
    Host: 'a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com',
    'User-Agent': 'gatehouse-bench',
    'X-Forwarded-For': '192.0.2.10',
  };
  const requestId = randomUUID();
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: BENCH_RESOURCE,
    path: '/orders/42',
    httpMethod: BENCH_METHOD,
    headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, [value]]),
    ),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: { orderId: '42' },
    stageVariables: { gatehouseApi: BENCH_API },
    requestContext: {
      requestId,
      resourcePath: BENCH_RESOURCE,
      httpMethod: BENCH_METHOD,
      stage: 'prod',
      identity: { sourceIp: '192.0.2.10' },
    },
  };
}

/** The part of an authorizer response the benchmark reads to tell Allow from Deny. */
interface PolicyResponse {
  readonly policyDocument?: { readonly Statement?: readonly { readonly Effect?: string }[] };
}

/** True when the response carries an Allow statement; a thrown error or Deny is a denial. */
export function isAllow(response: unknown): boolean {
  const statements = (response as PolicyResponse | undefined)?.policyDocument?.Statement ?? [];
  return statements.some((statement) => statement.Effect === 'Allow');
}
