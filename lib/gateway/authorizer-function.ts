import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { capabilityFilesFor, featuresOf } from '../../lambda/authorizer/capability-files';
import { AuthorizerConfig } from '../../lambda/policy/config';
import { GatehouseValidationError } from '../core/errors';

/**
 * The core of the authorizer bundle that `npm run build:lambda` writes inside this package.
 * The capability files, such as `basic.js`, are beside it.
 */
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
 * Creates the authorizer function from a staging directory that contains the core bundle
 * as `index.js`, the capability files beside it that the config uses, and the compiled
 * `config.json`, so the asset hash changes whenever the config does. A gateway whose
 * operations need only JWTs ships the core alone.
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
  const used = featuresOf(props.config);
  for (const { file, features } of capabilityFilesFor(props.config)) {
    const source = join(dirname(props.bundlePath), file);
    if (!existsSync(source)) {
      const needs = features.filter((feature) => used.has(feature)).join(' and ');
      throw new GatehouseValidationError(
        'AuthorizerBundleMissing',
        `authorizer capability file ${file} not found beside ${props.bundlePath}, but the policy uses ${needs}; build the core and its capability files together with 'npm run build:lambda'`,
        scope,
      );
    }
    copyFileSync(source, join(staging, file));
  }
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
