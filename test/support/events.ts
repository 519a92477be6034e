/** Options for a REQUEST authorizer event; anything left out gets a plausible default. */
export interface RequestEventOptions {
  /** Value of the `gatehouseApi` stage variable. */
  api?: string;
  method?: string;
  /** Resource path template, such as `/orders/{id}`. */
  resource?: string;
  /** Concrete request path; defaults to `resource` with each `{param}` replaced by `1`. */
  path?: string;
  headers?: Record<string, string>;
  /** Repeated headers; when set, used as `multiValueHeaders` as well as `headers`. */
  multiValueHeaders?: Record<string, string[]>;
  query?: Record<string, string>;
  multiValueQuery?: Record<string, string[]>;
  requestId?: string;
  sourceIp?: string;
  clientCert?: Record<string, unknown>;
  region?: string;
  accountId?: string;
  apiId?: string;
  stage?: string;
}

/**
 * Builds an API Gateway (REST) REQUEST authorizer event as API Gateway sends it, with
 * `headers` holding the last value of each header and `multiValueHeaders` every value.
 */
export function requestEvent(options: RequestEventOptions = {}): Record<string, unknown> {
  const method = options.method ?? 'GET';
  const resource = options.resource ?? '/orders';
  const path = options.path ?? resource.replace(/\{[^}]+\}/g, '1');
  const {
    region = 'eu-west-1',
    accountId = '123456789012',
    apiId = 'abc123',
    stage = 'prod',
  } = options;
  const multiHeaders = options.multiValueHeaders ?? toMulti(options.headers ?? {});
  const multiQuery = options.multiValueQuery ?? toMulti(options.query ?? {});

  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${region}:${accountId}:${apiId}/${stage}/${method}${path}`,
    resource,
    path,
    httpMethod: method,
    headers: lastValues(multiHeaders),
    multiValueHeaders: multiHeaders,
    queryStringParameters: Object.keys(multiQuery).length > 0 ? lastValues(multiQuery) : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length > 0 ? multiQuery : null,
    pathParameters: {},
    stageVariables: { gatehouseApi: options.api ?? 'orders' },
    requestContext: {
      accountId,
      apiId,
      stage,
      httpMethod: method,
      resourcePath: resource,
      path: `/${stage}${path}`,
      requestId: options.requestId ?? `req-${Math.random().toString(36).slice(2, 10)}`,
      identity: {
        sourceIp: options.sourceIp ?? '203.0.113.7',
        clientCert: options.clientCert ?? null,
      },
    },
  };
}

/** Returns the method ARN a policy would list for `method` and a concrete `path`. */
export function methodArn(method: string, path: string, stage = 'prod'): string {
  return `arn:aws:execute-api:eu-west-1:123456789012:abc123/${stage}/${method}${path}`;
}

function toMulti(values: Record<string, string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, [value]]));
}

function lastValues(values: Record<string, string[]>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, list]) => [name, list[list.length - 1]]),
  );
}
