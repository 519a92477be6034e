import { readFileSync } from 'node:fs';
import { AUTHORIZER_CONFIG_VERSION, AuthorizerConfig } from './config';

/** Reads and checks the compiled policy; throws when it is missing or of an unknown version. */
export function loadConfig(path: string): AuthorizerConfig {
  const config = JSON.parse(readFileSync(path, 'utf8')) as Partial<AuthorizerConfig> | null;
  if (config?.version !== AUTHORIZER_CONFIG_VERSION) {
    throw new Error(
      `config at ${path} has version ${JSON.stringify(config?.version)}, expected ${AUTHORIZER_CONFIG_VERSION}`,
    );
  }
  if (typeof config.apis !== 'object' || typeof config.jwtValidators !== 'object') {
    throw new Error(`config at ${path} lacks apis or jwtValidators`);
  }
  return config as AuthorizerConfig;
}
