import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Api } from '../../../lib/api/api';
import { Backend } from '../../../lib/api/backend';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { ApiPlacement, Gateway, GatewayProps } from '../../../lib/gateway/gateway';
import { HttpMethod } from '../../../lambda/policy/config';
import {
  allResources,
  newGateway,
  newStack,
  newValidator,
  onlyResource,
  synth,
  thrownBy,
} from '../helpers';

const NESTED = { apiPlacement: ApiPlacement.NESTED_STACK_PER_API };
const STACK_RESOURCE_LIMIT_CONTEXT = '@aws-cdk/core:stackResourceLimit';
const CLOUDFORMATION_MAX_RESOURCES = 500;
const CLOUDFORMATION_MAX_TEMPLATE_BYTES = 1_000_000;

/** Ten operations on five resource paths, as the synth-scale benchmark declares them. */
const TEN_OPERATIONS: readonly [HttpMethod, string][] = [
  ['GET', '/items'],
  ['POST', '/items'],
  ['GET', '/items/{itemId}'],
  ['PUT', '/items/{itemId}'],
  ['DELETE', '/items/{itemId}'],
  ['GET', '/items/{itemId}/notes'],
  ['POST', '/items/{itemId}/notes'],
  ['GET', '/items/{itemId}/notes/{noteId}'],
  ['DELETE', '/items/{itemId}/notes/{noteId}'],
  ['GET', '/health'],
];

function addTenOperations(api: Api, index: number): void {
  for (const [method, path] of TEN_OPERATIONS) {
    api.addOperation(method, path, {
      backend: Backend.http(`https://backend${index}.internal.example${path}`),
    });
  }
}

/** Declares a gateway with nested APIs and returns it with its `orders` API of one operation. */
function nestedGateway(stack: Stack, props: GatewayProps = {}): { gateway: Gateway; api: Api } {
  const gateway = newGateway(stack, { ...NESTED, ...props });
  const api = gateway.addApi('orders');
  api.addOperation('GET', '/orders', { backend: Backend.mock() });
  return { gateway, api };
}

function nestedTemplate(api: Api): Template {
  if (!api.nestedStack) {
    throw new Error(`API ${api.node.path} has no nested stack`);
  }
  return Template.fromStack(api.nestedStack);
}

/** Returns the parameters the parent passes to the API's nested stack. */
function nestedStackParameters(parent: Template): Record<string, unknown> {
  const properties = onlyResource(parent, 'AWS::CloudFormation::Stack');
  return properties.Parameters as Record<string, unknown>;
}

/** Returns the name of the parameter through which the parent passes `value`. */
function parameterPassing(parent: Template, value: unknown): string {
  const entry = Object.entries(nestedStackParameters(parent)).find(
    ([, passed]) => JSON.stringify(passed) === JSON.stringify(value),
  );
  if (!entry) {
    throw new Error(`no nested stack parameter has value ${JSON.stringify(value)}`);
  }
  return entry[0];
}

function logicalIdOf(template: Template, type: string): string {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) {
    throw new Error(`expected one ${type}, found ${ids.length}`);
  }
  return ids[0];
}

describe('Gateway with a nested stack per API', () => {
  test('100 APIs stay within stack quotas', () => {
    const stack = newStack('Scale');
    const gateway = newGateway(stack, NESTED);
    for (let index = 0; index < 100; index++) {
      addTenOperations(gateway.addApi(`api${index}`), index);
    }

    const assembly = (stack.node.root as App).synth();

    const files = readdirSync(assembly.directory).filter((name) => name.endsWith('.template.json'));
    const templates = files.map((name) => {
      const text = readFileSync(join(assembly.directory, name), 'utf8');
      const resources = (JSON.parse(text) as { Resources: Record<string, { Type: string }> })
        .Resources;
      return { name, bytes: Buffer.byteLength(text), resources: Object.values(resources) };
    });
    expect(templates).toHaveLength(101);
    for (const template of templates) {
      expect(template.resources.length).toBeLessThanOrEqual(CLOUDFORMATION_MAX_RESOURCES);
      expect(template.bytes).toBeLessThanOrEqual(CLOUDFORMATION_MAX_TEMPLATE_BYTES);
    }
    const parent = templates.find((template) => template.name === 'Scale.template.json');
    const nestedStacks = parent?.resources.filter(
      (resource) => resource.Type === 'AWS::CloudFormation::Stack',
    );
    expect(nestedStacks).toHaveLength(100);
    const restApis = templates.flatMap((template) =>
      template.resources.filter((resource) => resource.Type === 'AWS::ApiGateway::RestApi'),
    );
    expect(restApis).toHaveLength(100);
    expect(gateway.authorizerConfig?.apis.api99.operations).toHaveLength(10);
  });

  test('nested stack contains its API resources', () => {
    const stack = newStack();
    const { gateway, api } = nestedGateway(stack);

    const { template: parent } = synth(stack, gateway);
    const nested = nestedTemplate(api);

    nested.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    nested.resourceCountIs('AWS::ApiGateway::Deployment', 1);
    nested.resourceCountIs('AWS::ApiGateway::Stage', 1);
    nested.resourceCountIs('AWS::ApiGateway::Method', 1);
    nested.resourceCountIs('AWS::ApiGateway::GatewayResponse', 6);
    nested.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    nested.resourceCountIs('AWS::Lambda::Permission', 1);
    nested.resourceCountIs('AWS::Logs::LogGroup', 1);
    parent.resourceCountIs('AWS::ApiGateway::RestApi', 0);
    parent.resourceCountIs('AWS::ApiGateway::Method', 0);
    parent.resourceCountIs('AWS::Lambda::Permission', 0);
  });

  test('gateway stack keeps the shared resources', () => {
    const stack = newStack();
    const { gateway } = nestedGateway(stack);

    const { template: parent } = synth(stack, gateway);

    parent.resourceCountIs('AWS::Lambda::Function', 1);
    parent.resourceCountIs('AWS::Logs::LogGroup', 2);
    parent.resourceCountIs('AWS::ApiGateway::Account', 1);
    parent.resourceCountIs('AWS::CloudFormation::Stack', 1);
    const roles = allResources(parent, 'AWS::IAM::Role').map((role) =>
      JSON.stringify(role.AssumeRolePolicyDocument),
    );
    expect(roles.filter((role) => role.includes('lambda.amazonaws.com'))).toHaveLength(1);
    expect(roles.filter((role) => role.includes('apigateway.amazonaws.com'))).toHaveLength(1);
  });

  test('nested authorizer and permission get ARN', () => {
    const stack = newStack();
    const { gateway, api } = nestedGateway(stack);

    const { template: parent } = synth(stack, gateway);
    const nested = nestedTemplate(api);

    const functionId = logicalIdOf(parent, 'AWS::Lambda::Function');
    const parameter = parameterPassing(parent, { 'Fn::GetAtt': [functionId, 'Arn'] });
    const authorizer = onlyResource(nested, 'AWS::ApiGateway::Authorizer');
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(`{"Ref":"${parameter}"}`);
    const permission = onlyResource(nested, 'AWS::Lambda::Permission');
    expect(permission.FunctionName).toEqual({ Ref: parameter });
    expect(permission.Principal).toBe('apigateway.amazonaws.com');
    const restApiId = logicalIdOf(nested, 'AWS::ApiGateway::RestApi');
    expect(JSON.stringify(permission.SourceArn)).toContain(`{"Ref":"${restApiId}"}`);
    expect(JSON.stringify(permission.SourceArn)).toContain('/authorizers/*');
  });

  test('stage logs to the gateway access log group', () => {
    const stack = newStack();
    const { gateway, api } = nestedGateway(stack);

    const { template: parent } = synth(stack, gateway);
    const nested = nestedTemplate(api);

    const accessLogs = Object.keys(parent.findResources('AWS::Logs::LogGroup')).find((id) =>
      id.startsWith('GatewayAccessLogs'),
    );
    const parameter = parameterPassing(parent, { 'Fn::GetAtt': [accessLogs, 'Arn'] });
    const stage = onlyResource(nested, 'AWS::ApiGateway::Stage');
    expect(stage.AccessLogSetting).toMatchObject({ DestinationArn: { Ref: parameter } });
  });

  test('nested stack waits for the account logging role', () => {
    const stack = newStack();
    const { gateway } = nestedGateway(stack);

    const { template: parent } = synth(stack, gateway);

    const accountId = logicalIdOf(parent, 'AWS::ApiGateway::Account');
    const nestedStack = Object.values(parent.findResources('AWS::CloudFormation::Stack'))[0] as {
      DependsOn?: string[];
    };
    expect(nestedStack.DependsOn).toContain(accountId);
  });

  test('cloudWatchRole false creates no account role', () => {
    const stack = newStack();
    const { gateway } = nestedGateway(stack, { cloudWatchRole: false });

    const { template: parent } = synth(stack, gateway);

    parent.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test('domain mappings sit in nested stacks', () => {
    const stack = newStack();
    const certificate = Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
    );
    const { gateway, api } = nestedGateway(stack, {
      domain: { domainName: 'api.example.com', certificate },
    });
    const billing = gateway.addApi('billing', { basePath: 'billing/v2' });
    billing.addOperation('GET', '/', { backend: Backend.mock() });

    const { template: parent } = synth(stack, gateway);

    parent.resourceCountIs('AWS::ApiGateway::DomainName', 1);
    parent.resourceCountIs('AWS::ApiGateway::BasePathMapping', 0);
    const mapping = onlyResource(nestedTemplate(api), 'AWS::ApiGateway::BasePathMapping');
    expect(mapping.BasePath).toBe('orders');
    const apiMapping = onlyResource(nestedTemplate(billing), 'AWS::ApiGatewayV2::ApiMapping');
    expect(apiMapping.ApiMappingKey).toBe('billing/v2');
  });

  test('webAclArn associates the nested stage', () => {
    const stack = newStack();
    const webAclArn = 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/intranet/abc';
    const { gateway, api } = nestedGateway(stack, { webAclArn });

    synth(stack, gateway);

    const association = onlyResource(nestedTemplate(api), 'AWS::WAFv2::WebACLAssociation');
    expect(association.WebACLArn).toBe(webAclArn);
  });

  test('restApi URL usable in gateway stack', () => {
    const stack = newStack();
    const { gateway, api } = nestedGateway(stack);
    new CfnOutput(stack, 'OrdersUrl', { value: api.restApi.url });

    const { template: parent } = synth(stack, gateway);

    const output = parent.findOutputs('OrdersUrl').OrdersUrl as { Value: unknown };
    const nestedStackId = logicalIdOf(parent, 'AWS::CloudFormation::Stack');
    expect(JSON.stringify(output.Value)).toContain(`"Fn::GetAtt":["${nestedStackId}","Outputs.`);
  });

  test('deployment id changes with the compiled config', () => {
    const deploymentIdFor = (requiredRole: string) => {
      const stack = newStack();
      const gateway = new Gateway(stack, 'Gateway', {
        ...NESTED,
        defaultPolicy: AccessPolicy.jwt(newValidator(stack), {
          requiredClaims: [{ claim: 'roles', values: [requiredRole] }],
        }),
      });
      const api = gateway.addApi('orders');
      api.addOperation('GET', '/orders', { backend: Backend.mock() });
      synth(stack, gateway);
      return logicalIdOf(nestedTemplate(api), 'AWS::ApiGateway::Deployment');
    };

    const first = deploymentIdFor('Orders.Read');
    const second = deploymentIdFor('Orders.Write');

    expect(second).not.toBe(first);
  });
});

describe('Gateway stack resource limit', () => {
  /** Returns a stack whose CDK resource limit is `limit`, so a small gateway crosses it. */
  function stackWithLimit(limit: number): Stack {
    const stack = newStack();
    stack.node.setContext(STACK_RESOURCE_LIMIT_CONTEXT, limit);
    return stack;
  }

  test('gateway stack past limit fails synth', () => {
    const stack = stackWithLimit(40);
    const gateway = newGateway(stack);
    addTenOperations(gateway.addApi('first'), 0);
    addTenOperations(gateway.addApi('second'), 1);

    const error = thrownBy(() => (stack.node.root as App).synth());

    expect(error.code).toBe('TooManyResourcesInGatewayStack');
    expect(error.message).toMatch(
      /^stack Test would contain \d+ resources, over the limit of 40 per stack/,
    );
    // Each API of 10 operations adds 26 resources, and the logging role and account setting add 2.
    expect(error.message).toContain("the gateway's 2 APIs add 54 of them");
    expect(error.message).toContain('set apiPlacement: ApiPlacement.NESTED_STACK_PER_API');
  });

  test('nested APIs stay under limit', () => {
    const stack = stackWithLimit(40);
    const gateway = newGateway(stack, NESTED);
    addTenOperations(gateway.addApi('first'), 0);
    addTenOperations(gateway.addApi('second'), 1);

    const { template: parent } = synth(stack, gateway);

    parent.resourceCountIs('AWS::CloudFormation::Stack', 2);
  });

  test('limit 0 disables check as in CDK', () => {
    const stack = stackWithLimit(0);
    const gateway = newGateway(stack);
    addTenOperations(gateway.addApi('first'), 0);

    const { template } = synth(stack, gateway);

    template.resourceCountIs('AWS::ApiGateway::Method', 10);
  });
});

describe('Gateway nested API errors', () => {
  test('rejects a base path mapped twice', () => {
    const stack = newStack();
    const certificate = Certificate.fromCertificateArn(
      stack,
      'Cert',
      'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
    );
    const gateway = newGateway(stack, {
      ...NESTED,
      domain: { domainName: 'api.example.com', certificate },
    });
    gateway.addApi('orders');

    const error = thrownBy(() => gateway.addApi('orders2', { basePath: 'orders' }));

    expect(error.code).toBe('DuplicateBasePath');
    expect(error.message).toContain(
      "basePath 'orders' is already mapped under Test/Gateway/Domain",
    );
  });
});
