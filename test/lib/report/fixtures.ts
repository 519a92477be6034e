import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import type { AuthorizerConfig } from '../../../lambda/policy/config';
import { AccessPolicy } from '../../../lib/core/access-policy';
import { Gateway } from '../../../lib/gateway/gateway';
import { JwtKeys } from '../../../lib/jwt-validator/jwt-keys';
import { JwtValidator, JwtValidatorProps } from '../../../lib/jwt-validator/jwt-validator';
import { buildReport } from '../../../lib/report/build';
import { EffectivePolicyReport, OperationReport } from '../../../lib/report/model';

export const ISSUER = 'https://login.example.com/';
export const AUDIENCE = 'api://orders';

/** Declarations a test adds to a fresh stack. */
export type Declare = (stack: Stack) => void;

/**
 * Synthesizes one stack into a fresh temporary directory, or into `app` when given, and
 * returns the assembly directory. The stack id is fixed, so two synths of changed
 * declarations compare like two commits.
 */
export function synthAssembly(declare: Declare, app?: App): string {
  const root = app ?? new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-report-')) });
  const stack = new Stack(root, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
  declare(stack);
  return root.synth().directory;
}

/** Synthesizes the declarations and builds the report of the assembly. */
export function reportOf(declare: Declare): EffectivePolicyReport {
  return buildReport(synthAssembly(declare));
}

/** Creates a JWT validator with the given props over a minimal valid set. */
export function validator(
  stack: Stack,
  props: Partial<JwtValidatorProps> = {},
  id = 'Sso',
): JwtValidator {
  return new JwtValidator(stack, id, {
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    keys: JwtKeys.fromDiscovery('https://login.example.com/.well-known/openid-configuration'),
    ...props,
  });
}

/** Creates a gateway whose default policy accepts tokens of `sso`. */
export function gatewayWith(stack: Stack, sso: JwtValidator): Gateway {
  return new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(sso) });
}

/** Returns the operation with this method and path, failing the test when it is missing. */
export function operation(
  report: EffectivePolicyReport,
  method: string,
  path: string,
): OperationReport {
  const found = report.gateways
    .flatMap((gateway) => gateway.apis)
    .flatMap((api) => api.operations)
    .find((candidate) => candidate.method === method && candidate.path === path);
  if (!found) {
    throw new Error(`the report has no operation ${method} ${path}`);
  }
  return found;
}

/** Reads and rewrites the config.json of the first authorizer asset in an assembly. */
export function editAuthorizerConfig(
  assembly: string,
  edit: (config: AuthorizerConfig) => AuthorizerConfig,
): void {
  const report = buildReport(assembly);
  const path = join(assembly, report.gateways[0].authorizerAsset ?? '', 'config.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as AuthorizerConfig;
  writeFileSync(path, JSON.stringify(edit(config)));
}
