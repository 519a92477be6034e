import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { capabilityFilesFor } from '../../../lambda/authorizer/capability-files';
import type {
  AccessRequirement,
  AuthorizerConfig,
  OperationConfig,
} from '../../../lambda/policy/config';
import {
  DEFAULT_AUTHORIZER_BUNDLE,
  createAuthorizerFunction,
} from '../../../lib/gateway/authorizer-function';
import { jwtValidatorConfig } from '../../support/policy-config';
import { newStack, thrownBy } from '../helpers';

const jwt: AccessRequirement = { kind: 'jwt', validator: 'main', claims: [] };
const basic: AccessRequirement = { kind: 'basic', userStore: 'users' };
const subscriptionKey: AccessRequirement = {
  kind: 'subscriptionKey',
  registry: 'main',
  header: 'x-api-key',
  optional: false,
};
const clientCertificate: AccessRequirement = {
  kind: 'clientCertificate',
  identities: null,
  certificateAuthorities: [],
  revocation: { mode: 'none' },
};
const credential = { connection: 'orders', contextKey: 'backendAuth', brokerTimeoutMs: 500 };
const backendCredential: AccessRequirement = { kind: 'backendCredential', ...credential };

function config(
  operations: Partial<OperationConfig>[],
  requireCertificateBinding = false,
): AuthorizerConfig {
  return {
    version: 1,
    gateway: 'Test/Gateway',
    jwtValidators: {
      main: jwtValidatorConfig(
        'https://idp.example.com/',
        { kind: 'jwks', url: 'https://idp.example.com/jwks' },
        { requireCertificateBinding },
      ),
    },
    apis: {
      orders: {
        name: 'Test/Orders',
        operations: operations.map((operation, index) => ({
          method: 'GET',
          path: `/orders/${index}`,
          authorizer: 'uncached',
          access: jwt,
          ...operation,
        })),
      },
    },
  };
}

/** Creates the function from `bundlePath`, synthesizes, and lists the files of its asset. */
function stagedFiles(authorizerConfig: AuthorizerConfig, bundlePath = DEFAULT_AUTHORIZER_BUNDLE) {
  const stack = newStack();
  createFunction(stack, authorizerConfig, bundlePath);
  const assembly = (stack.node.root as App).synth();
  const assets = JSON.parse(readFileSync(join(assembly.directory, 'Test.assets.json'), 'utf8'));
  const [asset] = Object.values(assets.files as Record<string, { source: { path: string } }>);
  return readdirSync(join(assembly.directory, asset.source.path)).sort();
}

function createFunction(stack: Stack, authorizerConfig: AuthorizerConfig, bundlePath: string) {
  return createAuthorizerFunction(stack, 'Authorizer', {
    bundlePath,
    config: authorizerConfig,
    role: new iam.Role(stack, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    }),
    logGroup: new logs.LogGroup(stack, 'Logs'),
  });
}

describe('capabilityFilesFor', () => {
  const cases: [string, AuthorizerConfig, string[]][] = [
    ['JWT only', config([{}]), []],
    ['anonymous', config([{ access: { kind: 'anonymous' } }]), []],
    ['basic', config([{ access: basic }]), ['basic.js']],
    ['subscription key', config([{ access: subscriptionKey }]), ['subscription.js']],
    ['client certificate', config([{ access: clientCertificate }]), ['certificate.js']],
    ['certificate-bound tokens', config([{}], true), ['certificate.js']],
    [
      'backend credential in allOf',
      config([{ access: { kind: 'allOf', of: [jwt, backendCredential] } }]),
      ['backend.js'],
    ],
    [
      'backend credential on the operation only',
      config([{ backendCredential: credential }]),
      ['backend.js'],
    ],
    [
      'basic nested in anyOf inside allOf',
      config([{ access: { kind: 'allOf', of: [{ kind: 'anyOf', of: [jwt, basic] }] } }]),
      ['basic.js'],
    ],
    [
      'every capability over two operations',
      config(
        [
          { access: { kind: 'anyOf', of: [basic, subscriptionKey] } },
          { access: { kind: 'allOf', of: [clientCertificate, backendCredential] } },
        ],
        true,
      ),
      ['basic.js', 'subscription.js', 'backend.js', 'certificate.js'],
    ],
  ];

  test.each(cases)('%s', (_name, authorizerConfig, expected) => {
    expect(capabilityFilesFor(authorizerConfig).map(({ file }) => file)).toEqual(expected);
  });
});

describe('createAuthorizerFunction', () => {
  test('ships the core alone for a JWT-only config', () => {
    expect(stagedFiles(config([{}]))).toEqual(['config.json', 'index.js']);
  });

  test('ships the capability files the config uses', () => {
    const files = stagedFiles(config([{ access: basic }, { access: clientCertificate }]));

    expect(files).toEqual(['basic.js', 'certificate.js', 'config.json', 'index.js']);
  });

  test('ships capability files from beside a custom bundle', () => {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-custom-bundle-'));
    try {
      copyFileSync(DEFAULT_AUTHORIZER_BUNDLE, join(directory, 'core.js'));
      copyFileSync(join(DEFAULT_AUTHORIZER_BUNDLE, '..', 'basic.js'), join(directory, 'basic.js'));

      const files = stagedFiles(config([{ access: basic }]), join(directory, 'core.js'));

      expect(files).toEqual(['basic.js', 'config.json', 'index.js']);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('fails the synth when a capability file is missing beside the bundle', () => {
    const directory = mkdtempSync(join(tmpdir(), 'gatehouse-custom-bundle-'));
    try {
      const bundle = join(directory, 'index.js');
      copyFileSync(DEFAULT_AUTHORIZER_BUNDLE, bundle);
      const stack = newStack();

      const error = thrownBy(() => createFunction(stack, config([{}], true), bundle));

      expect(error.code).toBe('AuthorizerBundleMissing');
      expect(error.message).toBe(
        `authorizer capability file certificate.js not found beside ${bundle}, but the policy uses certificateBinding; build the core and its capability files together with 'npm run build:lambda' (at Test)`,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
