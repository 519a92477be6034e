import * as apigw from 'aws-cdk-lib/aws-apigateway';

/**
 * The one JSON error body every denial and gateway error returns. It carries the response
 * type and API Gateway's message, never a credential.
 */
export const ERROR_BODY =
  '{"error":{"code":"$context.error.responseType","message":$context.error.messageString},"requestId":"$context.requestId"}';

interface ResponseSpec {
  readonly id: string;
  readonly type: apigw.ResponseType;
  readonly statusCode?: string;
  readonly bearerChallenge?: boolean;
}

const RESPONSES: readonly ResponseSpec[] = [
  {
    id: 'Unauthorized',
    type: apigw.ResponseType.UNAUTHORIZED,
    statusCode: '401',
    bearerChallenge: true,
  },
  { id: 'AccessDenied', type: apigw.ResponseType.ACCESS_DENIED, statusCode: '403' },
  { id: 'Throttled', type: apigw.ResponseType.THROTTLED, statusCode: '429' },
  { id: 'QuotaExceeded', type: apigw.ResponseType.QUOTA_EXCEEDED, statusCode: '429' },
  // The defaults keep API Gateway's own status code for every other 4XX and 5XX.
  { id: 'Default4XX', type: apigw.ResponseType.DEFAULT_4XX },
  { id: 'Default5XX', type: apigw.ResponseType.DEFAULT_5XX },
];

/**
 * Adds the uniform JSON error body to every gateway response of the REST API. The 401
 * carries an RFC 6750 `WWW-Authenticate: Bearer realm="..."` challenge.
 */
export function addGatewayResponses(restApi: apigw.RestApi, realm: string): void {
  for (const spec of RESPONSES) {
    const responseHeaders: Record<string, string> = {
      'Cache-Control': "'no-store'",
    };
    if (spec.bearerChallenge) {
      responseHeaders['WWW-Authenticate'] = `'Bearer realm="${realm}"'`;
    }
    restApi.addGatewayResponse(spec.id, {
      type: spec.type,
      statusCode: spec.statusCode,
      responseHeaders,
      templates: { 'application/json': ERROR_BODY },
    });
  }
}
