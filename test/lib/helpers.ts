import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { AuthorizerConfig } from '../../lambda/policy/config';
import { AccessPolicy } from '../../lib/core/access-policy';
import { GatehouseValidationError } from '../../lib/core/errors';
import { Gateway, GatewayProps } from '../../lib/gateway/gateway';
import { JwtKeys } from '../../lib/jwt-validator/jwt-keys';
import { JwtValidator, JwtValidatorProps } from '../../lib/jwt-validator/jwt-validator';

export const ISSUER = 'https://login.example.com/';
export const AUDIENCE = 'api://orders';
export const DISCOVERY_URL = 'https://login.example.com/.well-known/openid-configuration';

/** Returns a stack in a fresh app whose cloud assembly goes to a temporary directory. */
export function newStack(id = 'Test'): Stack {
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'gatehouse-synth-')) });
  return new Stack(app, id, { env: { account: '123456789012', region: 'eu-west-1' } });
}

/** Creates a validator with the minimum valid props, overridden by `props`. */
export function newValidator(
  scope: Construct,
  props: Partial<JwtValidatorProps> = {},
  id = 'Sso',
): JwtValidator {
  return new JwtValidator(scope, id, {
    issuers: [ISSUER],
    audiences: [AUDIENCE],
    keys: JwtKeys.fromDiscovery(DISCOVERY_URL),
    ...props,
  });
}

/** Creates a gateway whose default policy accepts tokens of a fresh validator. */
export function newGateway(stack: Stack, props: GatewayProps = {}): Gateway {
  const validator = newValidator(stack);
  return new Gateway(stack, 'Gateway', { defaultPolicy: AccessPolicy.jwt(validator), ...props });
}

/** Synthesizes the stack and returns its template and the gateway's compiled config. */
export function synth(
  stack: Stack,
  gateway: Gateway,
): { template: Template; config: AuthorizerConfig } {
  const template = Template.fromStack(stack);
  if (!gateway.authorizerConfig) {
    throw new Error('the gateway compiled no config during synthesis');
  }
  return { template, config: gateway.authorizerConfig };
}

/** Returns the error `action` throws, failing the test when it throws none. */
export function thrownBy(action: () => unknown): GatehouseValidationError {
  try {
    action();
  } catch (error) {
    if (error instanceof GatehouseValidationError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a GatehouseValidationError, but nothing was thrown');
}

/** Returns the single resource of `type` in the template, failing when there is not one. */
export function onlyResource(template: Template, type: string): Record<string, unknown> {
  const resources = Object.values(template.findResources(type));
  if (resources.length !== 1) {
    throw new Error(`expected one ${type}, found ${resources.length}`);
  }
  return (resources[0] as { Properties: Record<string, unknown> }).Properties;
}

/** Returns the properties of every resource of `type`. */
export function allResources(template: Template, type: string): Record<string, unknown>[] {
  return Object.values(template.findResources(type)).map(
    (resource) => (resource as { Properties: Record<string, unknown> }).Properties,
  );
}
