import { IFunction } from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import {
  AUTHORIZER_CONFIG_VERSION,
  ApiConfig,
  AuthorizerConfig,
  JwtValidatorConfig,
} from '../../lambda/policy/config';
import type { Api } from '../api/api';
import { IJwtValidator, PolicyCompileContext } from '../core/access-policy';

/** The compiled config plus what policies asked of the authorizer function. */
export interface CompiledGateway {
  readonly config: AuthorizerConfig;
  readonly grants: readonly ((authorizer: IFunction) => void)[];
}

/** Compiles every operation of the gateway's APIs into the authorizer config. */
export function compileGateway(gateway: IConstruct, apis: readonly Api[]): CompiledGateway {
  const jwtValidators: Record<string, JwtValidatorConfig> = {};
  const sections: Record<string, Record<string, unknown>> = {};
  const grants: ((authorizer: IFunction) => void)[] = [];

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
    addAuthorizerGrant(grant: (authorizer: IFunction) => void): void {
      grants.push(grant);
    },
  });

  const apiConfigs: Record<string, ApiConfig> = {};
  for (const api of apis) {
    const context = contextFor(api);
    apiConfigs[api.configKey] = {
      name: api.node.path,
      operations: api.operationRecords.map((operation) => ({
        method: operation.method,
        path: operation.path,
        authorizer: operation.authorizer,
        access: operation.policy._compile(context),
      })),
    };
  }

  const config: AuthorizerConfig = {
    ...sections,
    version: AUTHORIZER_CONFIG_VERSION,
    gateway: gateway.node.path,
    jwtValidators,
    apis: apiConfigs,
  };
  return { config, grants };
}
