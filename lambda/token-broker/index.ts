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

const config = loadConfig();
const secrets = new SecretCache(config.secretRefreshSeconds);
const broker = new CredentialBroker({
  policy: config.cache,
  fetch: (name, subjectToken) =>
    fetchCredential(config, (arn) => secrets.get(arn), name, subjectToken),
  sharedCache: config.sharedCacheTable
    ? new DynamoDbCredentialCache(config.sharedCacheTable)
    : undefined,
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
