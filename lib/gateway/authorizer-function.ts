import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AuthorizerConfig } from '../../lambda/policy/config';
import { GatehouseValidationError } from '../core/errors';

/** The authorizer bundle that `npm run build:lambda` writes inside this package. */
export const DEFAULT_AUTHORIZER_BUNDLE = resolve(
  __dirname,
  '..',
  '..',
  'dist',
  'bundles',
  'authorizer',
  'index.js',
);

export interface AuthorizerFunctionProps {
  readonly bundlePath: string;
  readonly config: AuthorizerConfig;
  readonly role: iam.IRole;
  readonly logGroup: logs.ILogGroup;
}

/**
 * Creates the authorizer function from a staging directory that contains the bundle and
 * the compiled `config.json`, so the asset hash changes whenever the config does.
 */
export function createAuthorizerFunction(
  scope: Construct,
  id: string,
  props: AuthorizerFunctionProps,
): lambda.Function {
  if (!existsSync(props.bundlePath)) {
    throw new GatehouseValidationError(
      'AuthorizerBundleMissing',
      `authorizer bundle not found at ${props.bundlePath}; run 'npm run build:lambda' to build it`,
      scope,
    );
  }

  // NOTE: the staging directory stays in the OS temp directory after synth. It cannot be
  // deleted here, because apps that disable asset staging point the asset at it.
  const staging = mkdtempSync(join(tmpdir(), 'gatehouse-authorizer-'));
  copyFileSync(props.bundlePath, join(staging, 'index.js'));
  writeFileSync(join(staging, 'config.json'), JSON.stringify(props.config, null, 2));

  return new lambda.Function(scope, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(staging),
    role: props.role,
    logGroup: props.logGroup,
    memorySize: 256,
    timeout: Duration.seconds(10),
    description: 'Gatehouse authorizer: enforces the access policy compiled into config.json',
  });
}
