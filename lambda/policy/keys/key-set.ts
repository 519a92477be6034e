import { IssuerConfig, KeyCacheConfig, KeySourceConfig } from '../config';
import { AccessDenied } from '../failure';
import { KeySourceError, fetchJsonObject } from './fetch-json';
import { VerificationKey, importJwk } from './jwk';

/** Maximum number of keys kept from one JWKS; the rest are ignored, which bounds memory. */
export const MAX_KEYS_PER_SET = 100;

/** The keys of one key source, and the only way to look them up. */
export interface KeySet {
  /**
   * Returns the keys that carry `kid` (or every key when `kid` is undefined). The keys come
   * back at once when no fetch has to finish first, which is every warm request, so the
   * caller's decision does not wait on a promise it does not need. `now` is in seconds since
   * the epoch and may have a fraction, which the cool-down and cache ages keep.
   */
  keysFor(
    kid: string | undefined,
    now: number,
  ): readonly VerificationKey[] | Promise<readonly VerificationKey[]>;
}

/** Creates the key set for a validator's key source. */
export function createKeySet(
  source: KeySourceConfig,
  issuers: readonly IssuerConfig[],
  cache: KeyCacheConfig,
): KeySet {
  if (source.kind === 'inline') {
    const keys = importAll(source.keys);
    return { keysFor: (kid) => selectByKid(keys, kid) };
  }
  const load =
    source.kind === 'jwks'
      ? () => fetchKeys(source.url, cache.fetchTimeoutMs)
      : discoveryLoader(source.url, issuers, cache.fetchTimeoutMs);
  return new RemoteKeySet(load, cache);
}

/**
 * Keys fetched from a URL and cached for the life of the instance. There is at most one
 * fetch in flight, and concurrent callers share it. An unknown `kid` causes a refetch only
 * when the last fetch is `refetchCooldownSeconds` old, so a flood of random key ids costs
 * one fetch per cool-down and no memory. A failed fetch also starts a cool-down.
 */
export class RemoteKeySet implements KeySet {
  private keys: readonly VerificationKey[] | undefined;
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private inFlight: Promise<void> | undefined;
  private lastError: Error | undefined;

  constructor(
    private readonly load: () => Promise<readonly VerificationKey[]>,
    private readonly cache: KeyCacheConfig,
  ) {}

  keysFor(
    kid: string | undefined,
    now: number,
  ): readonly VerificationKey[] | Promise<readonly VerificationKey[]> {
    const age = now - this.fetchedAt;
    if (age > this.cache.maxAgeSeconds) {
      // Stale but usable keys keep working while the refresh runs or fails. NOTE: Lambda
      // freezes the instance between invocations, so this refresh may finish (or time out)
      // only during a later one.
      const refresh = this.refresh(now);
      if (age > this.usableSeconds()) {
        return refresh.then(() => this.afterWait(kid, now));
      }
    }
    const found = this.usableKeys(kid, now);
    if (found.length > 0 || !this.cooledDown(now)) {
      return found;
    }
    return this.refresh(now).then(() => this.usableKeys(kid, now));
  }

  /** Looks `kid` up after a fetch that had to finish first, refetching once on a miss. */
  private async afterWait(
    kid: string | undefined,
    now: number,
  ): Promise<readonly VerificationKey[]> {
    const found = this.usableKeys(kid, now);
    if (found.length > 0 || !this.cooledDown(now)) {
      return found;
    }
    await this.refresh(now);
    return this.usableKeys(kid, now);
  }

  /** Returns the cached keys that carry `kid`. Throws when there are none or they are too old. */
  private usableKeys(kid: string | undefined, now: number): readonly VerificationKey[] {
    if (this.keys === undefined || now - this.fetchedAt > this.usableSeconds()) {
      throw this.unavailable();
    }
    return selectByKid(this.keys, kid);
  }

  private usableSeconds(): number {
    return this.cache.maxAgeSeconds + this.cache.maxStaleSeconds;
  }

  private cooledDown(now: number): boolean {
    return now - this.attemptedAt >= this.cache.refetchCooldownSeconds;
  }

  /** Starts a fetch unless one is running or the cool-down after the last has not passed. */
  private refresh(now: number): Promise<void> {
    if (this.inFlight === undefined && this.cooledDown(now)) {
      this.attemptedAt = now;
      this.inFlight = this.load()
        .then((keys) => {
          this.keys = this.keys === undefined ? keys : keepUnchanged(this.keys, keys);
          this.fetchedAt = now;
          this.lastError = undefined;
        })
        .catch((error: Error) => {
          this.lastError = error;
        })
        .finally(() => {
          this.inFlight = undefined;
        });
    }
    return this.inFlight ?? Promise.resolve();
  }

  private unavailable(): AccessDenied {
    const reason = this.lastError?.message ?? 'no keys fetched yet';
    return new AccessDenied('KEYS_UNAVAILABLE', 401, `signing keys are unavailable: ${reason}`, {
      cause: this.lastError,
    });
  }
}

async function fetchKeys(url: string, timeoutMs: number): Promise<readonly VerificationKey[]> {
  const document = await fetchJsonObject(url, timeoutMs);
  if (!Array.isArray(document.keys)) {
    throw new KeySourceError(`JWKS from ${url} has no keys array`);
  }
  return importAll(document.keys);
}

/**
 * Returns a loader that reads `jwks_uri` from the discovery document and then fetches the
 * JWKS. The `jwks_uri` is kept until a fetch fails, and then read again.
 */
function discoveryLoader(
  url: string,
  issuers: readonly IssuerConfig[],
  timeoutMs: number,
): () => Promise<readonly VerificationKey[]> {
  let jwksUri: string | undefined;
  return async () => {
    jwksUri ??= await readJwksUri(url, issuers, timeoutMs);
    try {
      return await fetchKeys(jwksUri, timeoutMs);
    } catch (error) {
      jwksUri = undefined;
      throw error;
    }
  };
}

async function readJwksUri(
  url: string,
  issuers: readonly IssuerConfig[],
  timeoutMs: number,
): Promise<string> {
  const document = await fetchJsonObject(url, timeoutMs);
  const { issuer, jwks_uri: jwksUri } = document;
  if (
    typeof issuer !== 'string' ||
    !issuers.some((entry) => discoveryIssuerMatches(entry, issuer))
  ) {
    throw new KeySourceError(
      `discovery document at ${url} names issuer ${JSON.stringify(issuer)}, which is not a configured issuer`,
    );
  }
  if (typeof jwksUri !== 'string' || jwksUri === '') {
    throw new KeySourceError(`discovery document at ${url} has no jwks_uri`);
  }
  return jwksUri;
}

/**
 * Tells whether a discovery document's `issuer` fits a configured issuer. Multi-tenant
 * providers publish a template such as `https://login.example.com/{tenantid}/v2.0`, which
 * fits a pattern issuer whose template differs only in the placeholder's name.
 */
export function discoveryIssuerMatches(config: IssuerConfig, issuer: string): boolean {
  if (config.kind === 'exact') {
    return config.issuer === issuer;
  }
  const placeholder = /\{[A-Za-z_]+\}/g;
  const asTemplate = config.template.replace(placeholder, '{}');
  const concrete = config.tenants.map((tenant) => config.template.replace('{tenant}', tenant));
  return issuer.replace(placeholder, '{}') === asTemplate || concrete.includes(issuer);
}

function importAll(jwks: readonly unknown[]): readonly VerificationKey[] {
  const keys: VerificationKey[] = [];
  for (const jwk of jwks.slice(0, MAX_KEYS_PER_SET)) {
    const key = isObject(jwk) ? importJwk(jwk) : undefined;
    if (key !== undefined) {
      keys.push(key);
    }
  }
  return keys;
}

/**
 * Returns `fetched` with each key that equals one already held replaced by the held object,
 * so whatever remembers a key by identity (the verified-token cache) survives a refetch
 * that did not change that key.
 */
function keepUnchanged(
  held: readonly VerificationKey[],
  fetched: readonly VerificationKey[],
): readonly VerificationKey[] {
  return fetched.map(
    (key) =>
      held.find(
        (old) =>
          old.kid === key.kid &&
          old.kty === key.kty &&
          old.crv === key.crv &&
          old.alg === key.alg &&
          old.key.equals(key.key),
      ) ?? key,
  );
}

function selectByKid(
  keys: readonly VerificationKey[],
  kid: string | undefined,
): readonly VerificationKey[] {
  return kid === undefined ? keys : keys.filter((key) => key.kid === kid);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
