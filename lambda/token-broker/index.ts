import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialBroker } from './broker';
import {
  BrokerRequest,
  BrokerResponse,
  TOKEN_BROKER_CONFIG_VERSION,
  TokenBrokerConfig,
} from './config';
import { fetchCredential } from './connections';
import { BrokerError } from './errors';
import { SecretCache } from './secrets';
import { DynamoDbCredentialCache } from './shared-cache';

/**
 * Environment variable that names the shared cache table; the table name is known only at
 * deploy time. Without it, the broker caches in memory only.
 */
export const CACHE_TABLE_VARIABLE = 'GATEHOUSE_TOKEN_CACHE_TABLE';

const config = loadConfig();
const cacheTable = process.env[CACHE_TABLE_VARIABLE];
const secrets = new SecretCache(config.secretRefreshSeconds);
const broker = new CredentialBroker({
  policy: config.cache,
  fetch: (name, subjectToken) =>
    fetchCredential(config, (variable) => secrets.get(secretArnFrom(variable)), name, subjectToken),
  sharedCache: cacheTable ? new DynamoDbCredentialCache(cacheTable) : undefined,
  onSharedCacheError: (error) => log('warn', 'SHARED_CACHE_FAILED', undefined, error),
});

/** Returns a credential for the connection the authorizer names; every failure is `ok: false`. */
export async function handler(event: BrokerRequest): Promise<BrokerResponse> {
  const name = typeof event?.connection === 'string' ? event.connection : undefined;
  const subjectToken = typeof event?.subjectToken === 'string' ? event.subjectToken : undefined;
  try {
    if (!name) {
      throw new BrokerError('INVALID_REQUEST', 'the request names no connection');
    }
    const credential = await broker.get(name, subjectToken);
    return { ok: true, headerValue: credential.headerValue, validUntil: credential.validUntil };
  } catch (error) {
    const code = error instanceof BrokerError ? error.code : 'INTERNAL_ERROR';
    log('error', code, name, error);
    return { ok: false, code };
  }
}

/**
 * Writes one JSON log line. Broker error messages are built to hold no secret; of a cause,
 * only its name and error code are written, because a parser message may quote its input.
 */
function log(level: string, code: string, connection: string | undefined, error: unknown): void {
  const cause = error instanceof Error ? error.cause : undefined;
  const line = {
    level,
    code,
    connection,
    message: error instanceof Error ? error.message : 'non-Error value thrown',
    cause: cause instanceof Error ? describeCause(cause) : undefined,
  };
  console.log(JSON.stringify(line));
}

function describeCause(cause: Error): string {
  const inner = cause.cause as { code?: unknown } | undefined;
  const code = (cause as { code?: unknown }).code ?? inner?.code;
  return typeof code === 'string' ? `${cause.name} (${code})` : cause.name;
}

function secretArnFrom(variable: string): string {
  const secretArn = process.env[variable];
  if (!secretArn) {
    throw new BrokerError(
      'SECRET_UNAVAILABLE',
      `environment variable ${variable} with a secret ARN is not set`,
    );
  }
  return secretArn;
}

function loadConfig(): TokenBrokerConfig {
  const parsed = JSON.parse(
    readFileSync(join(__dirname, 'config.json'), 'utf8'),
  ) as TokenBrokerConfig;
  if (parsed.version !== TOKEN_BROKER_CONFIG_VERSION) {
    throw new Error(
      `config.json has version ${String(parsed.version)}, expected ${TOKEN_BROKER_CONFIG_VERSION}`,
    );
  }
  return parsed;
}
