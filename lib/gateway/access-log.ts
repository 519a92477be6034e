import * as apigw from 'aws-cdk-lib/aws-apigateway';

/**
 * Fields of one access log line. Only ids, the caller's principal, the decision and
 * timings are logged; no header, so no credential, appears in it.
 */
const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: '$context.requestId',
  principal: '$context.authorizer.principalId',
  method: '$context.httpMethod',
  resource: '$context.resourcePath',
  stage: '$context.stage',
  status: '$context.status',
  // NOTE: this is API Gateway's response type (UNAUTHORIZED, ACCESS_DENIED); the
  // authorizer's own decision code is only in its log, joined by requestId.
  decision: '$context.error.responseType',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatencyMs: '$context.authorizer.latency',
  integrationLatencyMs: '$context.integration.latency',
  latencyMs: '$context.responseLatency',
  sourceIp: '$context.identity.sourceIp',
};

/** Returns the JSON access log format every stage of a gateway uses. */
export function accessLogFormat(): apigw.AccessLogFormat {
  const fields = Object.entries(ACCESS_LOG_FIELDS).map(
    ([name, variable]) => `"${name}":"${variable}"`,
  );
  return apigw.AccessLogFormat.custom(`{${fields.join(',')}}`);
}
