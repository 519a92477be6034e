import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { GatehouseValidationError } from '../core/errors';

/** The management bundle that `npm run build:lambda` writes inside this package. */
export const DEFAULT_MANAGEMENT_BUNDLE = resolve(
  __dirname,
  '..',
  '..',
  'dist',
  'bundles',
  'management',
  'index.js',
);

export interface ManagementFunctionProps {
  readonly bundlePath: string;
  readonly environment: Record<string, string>;
  readonly logRetention: logs.RetentionDays;
}

/** Creates the management function from the bundle's directory, which holds only the bundle. */
export function createManagementFunction(
  scope: Construct,
  id: string,
  props: ManagementFunctionProps,
): lambda.Function {
  if (!existsSync(props.bundlePath)) {
    throw new GatehouseValidationError(
      'ManagementBundleMissing',
      `management bundle not found at ${props.bundlePath}; run 'npm run build:lambda' to build it`,
      scope,
    );
  }
  // Its own role with no managed policy: it writes its own log group, and the registry
  // grants the table, API key and secret permissions.
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention: props.logRetention });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description:
      'Gatehouse subscription management: registry table, API keys and declared-key secrets',
  });
  logGroup.grantWrite(role);

  return new lambda.Function(scope, id, {
    role,
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(dirname(props.bundlePath)),
    environment: props.environment,
    logGroup,
    memorySize: 256,
    // A lifecycle request makes up to about ten API Gateway calls, and a declared subscription
    // also sends its response to CloudFormation.
    timeout: Duration.seconds(60),
    description: 'Gatehouse subscription management: registry first, then API Gateway keys',
  });
}
