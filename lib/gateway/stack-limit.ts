import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { GatehouseValidationError } from '../core/errors';

/**
 * Context key of CDK's per-stack resource limit (aws-cdk-lib 2). CDK reads it in
 * `Stack.maxResources`, and 0 turns off both its check and this one.
 */
const STACK_RESOURCE_LIMIT_CONTEXT = '@aws-cdk/core:stackResourceLimit';

/** Maximum number of resources in one CloudFormation stack, and CDK's default limit. */
const CLOUDFORMATION_MAX_RESOURCES = 500;

/**
 * Throws when some of the gateway's APIs are in its own stack and that stack contains more
 * resources than CDK's limit allows, with an error that names the prop that fixes it. Call
 * it from a construct validation, so that it runs before CDK's own `TooManyResourcesInStack`.
 */
export function checkStackResourceLimit(gateway: IConstruct, apis: readonly IConstruct[]): void {
  const stack = Stack.of(gateway);
  const limit = resourceLimit(stack);
  if (limit <= 0 || apis.length === 0) {
    return;
  }

  const inStack = (construct: IConstruct) =>
    CfnResource.isCfnResource(construct) && Stack.of(construct) === stack;
  const total = stack.node.findAll().filter(inStack).length;
  if (total <= limit) {
    return;
  }
  const fromApis = apis.flatMap((api) => api.node.findAll().filter(inStack)).length;
  throw new GatehouseValidationError(
    'TooManyResourcesInGatewayStack',
    `stack ${stack.node.path} would contain ${total} resources, over the limit of ${limit} per stack, and the gateway's ${apis.length} APIs add ${fromApis} of them; set apiPlacement: ApiPlacement.NESTED_STACK_PER_API on the gateway to create each API in a nested stack of its own`,
    gateway,
  );
}

function resourceLimit(stack: Stack): number {
  const fromContext: unknown = stack.node.tryGetContext(STACK_RESOURCE_LIMIT_CONTEXT);
  if (fromContext === undefined) {
    return CLOUDFORMATION_MAX_RESOURCES;
  }
  return parseInt(String(fromContext), 10);
}
