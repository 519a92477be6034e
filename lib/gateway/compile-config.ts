import { Token } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import {
  AUTHORIZER_CONFIG_VERSION,
  ApiConfig,
  AuthorizerConfig,
  JwtValidatorConfig,
} from '../../lambda/policy/config';
import type { Api } from '../api/api';
import { findBackendCredential } from '../backend-auth/backend-auth';
import { IJwtValidator, PolicyCompileContext } from '../core/access-policy';
import { GatehouseValidationError } from '../core/errors';

/** The compiled config plus what policies asked of the authorizer function. */
export interface CompiledGateway {
  readonly config: AuthorizerConfig;
  readonly grants: readonly ((authorizer: LambdaFunction) => void)[];
}

/** Compiles every operation of the gateway's APIs into the authorizer config. */
export function compileGateway(gateway: IConstruct, apis: readonly Api[]): CompiledGateway {
  const jwtValidators: Record<string, JwtValidatorConfig> = {};
  const sections: Record<string, Record<string, unknown>> = {};
  const grants: ((authorizer: LambdaFunction) => void)[] = [];

  const contextFor = (scope: IConstruct): PolicyCompileContext => ({
    scope,
    registerJwtValidator(validator: IJwtValidator): string {
      const id = validator.node.path;
      jwtValidators[id] ??= validator._compile();
      return id;
    },
    registerConfigEntry(section: string, id: string, value: unknown): void {
      sections[section] ??= {};
      sections[section][id] ??= value;
    },
    addAuthorizerGrant(grant: (authorizer: LambdaFunction) => void): void {
      grants.push(grant);
    },
  });

  const apiConfigs: Record<string, ApiConfig> = {};
  for (const api of apis) {
    const context = contextFor(api);
    apiConfigs[api.configKey] = {
      name: api.node.path,
      operations: api.operationRecords.map((operation) => {
        const access = operation.policy._compile(context);
        return {
          method: operation.method,
          path: operation.path,
          authorizer: operation.authorizer,
          access,
          backendCredential: findBackendCredential(access, operation.resource),
        };
      }),
    };
  }

  const config: AuthorizerConfig = {
    ...sections,
    version: AUTHORIZER_CONFIG_VERSION,
    gateway: gateway.node.path,
    jwtValidators,
    apis: apiConfigs,
  };
  checkNoTokens(config, 'config', gateway);
  return { config, grants };
}

/**
 * Throws when a value in the config is an unresolved CDK token. config.json is written at
 * synth time, so a token there would reach the authorizer as placeholder text.
 */
function checkNoTokens(value: unknown, path: string, scope: IConstruct): void {
  if (typeof value === 'string' || typeof value === 'number') {
    if (Token.isUnresolved(value)) {
      throw new GatehouseValidationError(
        'UnresolvedTokenInConfig',
        `${path} is a deploy-time value (an unresolved CDK token), which config.json cannot carry; pass it to the authorizer through an environment variable instead`,
        scope,
      );
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => checkNoTokens(item, `${path}[${index}]`, scope));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      checkNoTokens(item, `${path}.${key}`, scope);
    }
  }
}
