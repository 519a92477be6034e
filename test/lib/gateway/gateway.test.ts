import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, Fn, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Backend } from '../../../lib/api/backend';
import { ERROR_BODY } from '../../../lib/gateway/gateway-responses';
import { Gateway } from '../../../lib/gateway/gateway';
import {
  allResources,
  newGateway,
  newStack,
  newValidator,
  onlyResource,
  synth,
  thrownBy,
} from '../helpers';

/** Adds an API with one JWT-protected operation and returns the synthesized result. */
function gatewayWithOperation(stack: Stack, gateway: Gateway) {
  gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });
  return synth(stack, gateway);
}

function responseOf(template: Template, type: string): Record<string, unknown> {
  const responses = allResources(template, 'AWS::ApiGateway::GatewayResponse');
  const response = responses.find((properties) => properties.ResponseType === type);
  if (!response) {
    throw new Error(`no gateway response of type ${type}`);
  }
  return response;
}

function stageOf(template: Template): Record<string, unknown> {
  return onlyResource(template, 'AWS::ApiGateway::Stage');
}

describe('Gateway', () => {
  test('authorizer runs on Node.js 22 with its own role', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.Runtime).toBe('nodejs22.x');
    expect(fn.Handler).toBe('index.handler');
    expect(fn.Role).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^GatewayAuthorizerRole/), 'Arn'],
    });
  });

  test('authorizer role may only write its own log group', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    const role = Object.values(template.findResources('AWS::IAM::Role')).find((resource) =>
      JSON.stringify(resource).includes('lambda.amazonaws.com'),
    ) as { Properties: Record<string, unknown> };
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const policy = onlyResource(template, 'AWS::IAM::Policy');
    const statements = (policy.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^GatewayAuthorizerLogs/), 'Arn'] },
      },
    ]);
  });

  test('log groups keep one year by default', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    const groups = allResources(template, 'AWS::Logs::LogGroup');
    expect(groups.map((group) => group.RetentionInDays)).toEqual([365, 365, 365]);
  });

  test('logRetention sets every log group', () => {
    const stack = newStack();

    const gateway = newGateway(stack, { logRetention: RetentionDays.ONE_MONTH });
    const { template } = gatewayWithOperation(stack, gateway);

    const groups = allResources(template, 'AWS::Logs::LogGroup');
    expect(groups.map((group) => group.RetentionInDays)).toEqual([30, 30, 30]);
  });

  test('execution log group is named for the stage', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    const names = allResources(template, 'AWS::Logs::LogGroup').map((group) => group.LogGroupName);
    expect(names).toContainEqual({
      'Fn::Join': [
        '',
        ['API-Gateway-Execution-Logs_', { Ref: expect.stringMatching(/^Gatewayorders/) }, '/live'],
      ],
    });
  });

  test('stage writes JSON access logs without headers', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    const settings = stageOf(template).AccessLogSetting as { Format: string };
    const format = JSON.parse(settings.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(format.principal).toBe('$context.authorizer.principalId');
    expect(format.decision).toBe('$context.error.responseType');
    expect(format.latencyMs).toBe('$context.responseLatency');
    expect(format.status).toBe('$context.status');
    expect(settings.Format).not.toMatch(/header|Authorization/i);
  });

  test('execution logging is on and data tracing off', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    const [settings] = stageOf(template).MethodSettings as Record<string, unknown>[];
    expect(settings.LoggingLevel).toBe('INFO');
    expect(settings.DataTraceEnabled).toBe(false);
  });

  test('401 carries a Bearer challenge and the JSON body', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack, { realm: 'orders' }));

    const response = responseOf(template, 'UNAUTHORIZED');
    expect(response.StatusCode).toBe('401');
    expect(response.ResponseParameters).toEqual({
      'gatewayresponse.header.Cache-Control': "'no-store'",
      'gatewayresponse.header.WWW-Authenticate': '\'Bearer realm="orders"\'',
    });
    expect(response.ResponseTemplates).toEqual({ 'application/json': ERROR_BODY });
  });

  test.each([
    ['ACCESS_DENIED', '403'],
    ['THROTTLED', '429'],
    ['QUOTA_EXCEEDED', '429'],
    ['DEFAULT_4XX', undefined],
    ['DEFAULT_5XX', undefined],
  ])('%s response uses the uniform JSON body', (type, status) => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    const response = responseOf(template, type);
    expect(response.StatusCode).toBe(status);
    expect(response.ResponseTemplates).toEqual({ 'application/json': ERROR_BODY });
  });

  test('uniform error body is valid JSON once variables are filled', () => {
    const filled = ERROR_BODY.replace('$context.error.messageString', '"Unauthorized"').replace(
      /\$context\.[A-Za-z.]+/g,
      'x',
    );

    const body = JSON.parse(filled) as Record<string, unknown>;

    expect(body).toEqual({ error: { code: 'x', message: 'Unauthorized' }, requestId: 'x' });
  });

  test('realm defaults to the custom domain name', () => {
    const stack = newStack();
    const certificate = Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
    );

    const gateway = newGateway(stack, { domain: { domainName: 'api.example.com', certificate } });
    const { template } = gatewayWithOperation(stack, gateway);

    const parameters = responseOf(template, 'UNAUTHORIZED').ResponseParameters as Record<
      string,
      string
    >;
    expect(parameters['gatewayresponse.header.WWW-Authenticate']).toBe(
      '\'Bearer realm="api.example.com"\'',
    );
  });

  test('custom domain uses TLS 1.2 and maps each API', () => {
    const stack = newStack();
    const certificate = Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
    );
    const gateway = newGateway(stack, { domain: { domainName: 'api.example.com', certificate } });

    gateway.addApi('orders').addOperation('GET', '/', { backend: Backend.mock() });
    gateway
      .addApi('billing', { basePath: 'billing/v2' })
      .addOperation('GET', '/', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);

    const domain = onlyResource(template, 'AWS::ApiGateway::DomainName');
    expect(domain.SecurityPolicy).toBe('TLS_1_2');
    expect(domain.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    const mapping = onlyResource(template, 'AWS::ApiGateway::BasePathMapping');
    expect(mapping.BasePath).toBe('orders');
    const apiMapping = onlyResource(template, 'AWS::ApiGatewayV2::ApiMapping');
    expect(apiMapping.ApiMappingKey).toBe('billing/v2');
  });

  test('webAclArn associates every stage', () => {
    const stack = newStack();
    const webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/intranet/abc';

    const { template } = gatewayWithOperation(stack, newGateway(stack, { webAclArn }));

    const association = onlyResource(template, 'AWS::WAFv2::WebACLAssociation');
    expect(association.WebACLArn).toBe(webAclArn);
  });

  test('no web ACL by default', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
  });

  test('only the first API creates the CloudWatch role', () => {
    const stack = newStack();
    const gateway = newGateway(stack);

    gateway.addApi('a').addOperation('GET', '/', { backend: Backend.mock() });
    gateway.addApi('b').addOperation('GET', '/', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);

    template.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  test('cloudWatchRole false creates no account role', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack, { cloudWatchRole: false }));

    template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('API Gateway may invoke the authorizer from its authorizers only', () => {
    const stack = newStack();

    const { template } = gatewayWithOperation(stack, newGateway(stack));

    const permission = onlyResource(template, 'AWS::Lambda::Permission');
    expect(permission.Principal).toBe('apigateway.amazonaws.com');
    expect(JSON.stringify(permission.SourceArn)).toContain('/authorizers/*');
  });

  test('gateway with only anonymous operations creates no authorizer', () => {
    const stack = newStack();
    const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.anonymous() });

    const { template } = gatewayWithOperation(stack, gateway);

    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 0);
  });

  test('app tags reach the late-created authorizer', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    Tags.of(stack.node.root).add('team', 'platform');

    const { template } = gatewayWithOperation(stack, gateway);

    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
  });

  test('staged asset contains the bundle and the compiled config', () => {
    const stack = newStack();
    const gateway = newGateway(stack);
    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });

    const assembly = (stack.node.root as App).synth();

    const assetDir = assetDirectoryOf(assembly.directory, stack.stackName);
    const config = JSON.parse(readFileSync(join(assetDir, 'config.json'), 'utf8'));
    expect(config).toEqual(gateway.authorizerConfig);
    expect(readFileSync(join(assetDir, 'index.js'), 'utf8')).toContain('exports');
  });
});

function assetDirectoryOf(outdir: string, stackName: string): string {
  const assets = JSON.parse(readFileSync(join(outdir, `${stackName}.assets.json`), 'utf8'));
  const zipAssets = Object.values(
    assets.files as Record<string, { source: { path: string; packaging: string } }>,
  ).filter((asset) => asset.source.packaging === 'zip');
  if (zipAssets.length !== 1) {
    throw new Error(`expected one directory asset, found ${zipAssets.length}`);
  }
  return join(outdir, zipAssets[0].source.path);
}

describe('Gateway deployment', () => {
  function deploymentIdFor(requiredRole: string): string {
    const stack = newStack();
    const validator = newValidator(stack);
    const gateway = new Gateway(stack, 'Gateway', {
      defaultPolicy: AccessPolicy.jwt(validator, {
        requiredClaims: [{ claim: 'roles', values: [requiredRole] }],
      }),
    });
    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });
    const { template } = synth(stack, gateway);
    return Object.keys(template.findResources('AWS::ApiGateway::Deployment'))[0];
  }

  test('logical id changes when the compiled config changes', () => {
    const first = deploymentIdFor('Orders.Read');

    const second = deploymentIdFor('Orders.Write');

    expect(second).not.toBe(first);
  });

  test('logical id is stable for the same config', () => {
    const first = deploymentIdFor('Orders.Read');

    const second = deploymentIdFor('Orders.Read');

    expect(second).toBe(first);
  });
});

describe('Gateway errors', () => {
  test('rejects a cache TTL over one hour', () => {
    const error = thrownBy(() =>
      newGateway(newStack(), { authorizerCacheTtl: Duration.minutes(61) }),
    );

    expect(error.code).toBe('CacheTtlTooLarge');
    expect(error.message).toBe(
      'authorizerCacheTtl must be at most 1 hour, got 3660 seconds (at Test/Gateway)',
    );
  });

  test('rejects a realm with a quote', () => {
    const error = thrownBy(() => newGateway(newStack(), { realm: 'a"b' }));

    expect(error.code).toBe('InvalidRealm');
    expect(error.message).toBe(
      `realm must contain only letters, digits, spaces and ._:/-, because it is quoted in WWW-Authenticate, got 'a"b' (at Test/Gateway)`,
    );
  });

  test('rejects a deploy-time token in the config', () => {
    const stack = newStack();
    const validator = newValidator(stack, { audiences: [Fn.importValue('OrdersAudience')] });
    const gateway = new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(validator) });
    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });

    const error = thrownBy(() => Template.fromStack(stack));

    expect(error.code).toBe('UnresolvedTokenInConfig');
    expect(error.message).toBe(
      'config.jwtValidators.Test/Sso.audiences[0] is a deploy-time value (an unresolved CDK token), which config.json cannot carry; pass it to the authorizer through an environment variable instead (at Test/Gateway)',
    );
  });

  test('fails the synth when the authorizer bundle is missing', () => {
    const stack = newStack();
    const gateway = newGateway(stack, { authorizerBundlePath: '/nonexistent/index.js' });
    gateway.addApi('orders').addOperation('GET', '/orders', { backend: Backend.mock() });

    const error = thrownBy(() => Template.fromStack(stack));

    expect(error.code).toBe('AuthorizerBundleMissing');
    expect(error.message).toBe(
      "authorizer bundle not found at /nonexistent/index.js; run 'npm run build:lambda' to build it (at Test/Gateway)",
    );
  });
});
