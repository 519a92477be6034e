import { createHash } from 'node:crypto';
import { CachePolicyConfig } from './config';
import { BrokerError } from './errors';

/** A credential as the provider issued it. */
export interface IssuedCredential {
  /** Complete header value, such as `Bearer eyJ...`. */
  readonly headerValue: string;
  /** Lifetime in seconds, already bounded; 0 means use once and never cache. */
  readonly lifetimeSeconds: number;
}

/** A credential ready to send, with the time after which it must not be sent. */
export interface CachedCredential {
  readonly headerValue: string;
  readonly validUntil: number;
}

/** A cache shared between broker instances; its failures never fail a request. */
export interface SharedCredentialCache {
  get(key: string): Promise<CachedCredential | undefined>;
  put(key: string, credential: CachedCredential): Promise<void>;
}

/** Fetches a new credential for a connection from its provider. */
export type CredentialFetcher = (
  connection: string,
  subjectToken: string | undefined,
) => Promise<IssuedCredential>;

export interface CredentialBrokerOptions {
  readonly policy: CachePolicyConfig;
  readonly fetch: CredentialFetcher;
  readonly sharedCache?: SharedCredentialCache;
  /** Called when the shared cache fails, with an error that contains no credential. */
  readonly onSharedCacheError?: (error: unknown) => void;
  /** Current time in seconds since the epoch. */
  readonly clock?: () => number;
  /** Most credentials kept in memory; the oldest entry goes first. */
  readonly maxEntries?: number;
}

interface FailureState {
  readonly failures: number;
  readonly retryAt: number;
  readonly error: BrokerError;
}

/**
 * Hands out credentials per connection and, for token exchange, per subject token. It keeps
 * each credential in memory (and in the shared cache) until the expiry margin, runs one fetch
 * at a time per key however many callers miss together, and after a failure refuses to ask
 * the provider again until a backoff has passed, doubling it on each further failure.
 */
export class CredentialBroker {
  private readonly memory = new Map<string, CachedCredential>();
  private readonly inFlight = new Map<string, Promise<CachedCredential>>();
  private readonly failures = new Map<string, FailureState>();
  private readonly clock: () => number;

  constructor(private readonly options: CredentialBrokerOptions) {
    this.clock = options.clock ?? (() => Date.now() / 1000);
  }

  /** Returns a credential that is valid for at least the expiry margin. */
  public get(connection: string, subjectToken?: string): Promise<CachedCredential> {
    const key = cacheKey(connection, subjectToken);
    const cached = this.memory.get(key);
    if (cached && cached.validUntil > this.clock()) {
      return Promise.resolve(cached);
    }

    const running = this.inFlight.get(key);
    if (running) {
      return running;
    }
    const refresh = this.refresh(key, connection, subjectToken).finally(() =>
      this.inFlight.delete(key),
    );
    this.inFlight.set(key, refresh);
    return refresh;
  }

  private async refresh(
    key: string,
    connection: string,
    subjectToken: string | undefined,
  ): Promise<CachedCredential> {
    const shared = await this.readShared(key);
    if (shared) {
      this.remember(key, shared);
      return shared;
    }

    const failure = this.failures.get(key);
    if (failure && failure.retryAt > this.clock()) {
      throw new BrokerError(
        'PROVIDER_BACKOFF',
        `connection '${connection}' failed recently (${failure.error.code}); next attempt in ${Math.ceil(failure.retryAt - this.clock())} s`,
        { cause: failure.error },
      );
    }

    let issued: IssuedCredential;
    try {
      issued = await this.options.fetch(connection, subjectToken);
    } catch (error) {
      this.recordFailure(key, connection, error);
      throw error;
    }
    this.failures.delete(key);

    const credential = { headerValue: issued.headerValue, validUntil: this.validUntil(issued) };
    if (issued.lifetimeSeconds > 0) {
      this.remember(key, credential);
      await this.writeShared(key, credential);
    }
    return credential;
  }

  /**
   * Subtracts the expiry margin, but never more than half the lifetime, so a short-lived
   * token is still reused for a while instead of being fetched on every request.
   */
  private validUntil(issued: IssuedCredential): number {
    const lifetime = issued.lifetimeSeconds;
    const margin = Math.min(this.options.policy.expiryMarginSeconds, lifetime / 2);
    return Math.floor(this.clock() + lifetime - margin);
  }

  private recordFailure(key: string, connection: string, error: unknown): void {
    const { failureBackoffSeconds, maxFailureBackoffSeconds } = this.options.policy;
    const failures = (this.failures.get(key)?.failures ?? 0) + 1;
    const backoff = Math.min(failureBackoffSeconds * 2 ** (failures - 1), maxFailureBackoffSeconds);
    const brokerError =
      error instanceof BrokerError
        ? error
        : new BrokerError(
            'PROVIDER_UNAVAILABLE',
            `fetching a credential for '${connection}' failed`,
            { cause: error },
          );
    this.failures.set(key, { failures, retryAt: this.clock() + backoff, error: brokerError });
  }

  private remember(key: string, credential: CachedCredential): void {
    this.memory.delete(key);
    this.memory.set(key, credential);
    const maxEntries = this.options.maxEntries ?? 1000;
    while (this.memory.size > maxEntries) {
      this.memory.delete(this.memory.keys().next().value as string);
    }
  }

  private async readShared(key: string): Promise<CachedCredential | undefined> {
    try {
      const shared = await this.options.sharedCache?.get(key);
      return shared && shared.validUntil > this.clock() ? shared : undefined;
    } catch (error) {
      this.options.onSharedCacheError?.(error);
      return undefined;
    }
  }

  private async writeShared(key: string, credential: CachedCredential): Promise<void> {
    try {
      await this.options.sharedCache?.put(key, credential);
    } catch (error) {
      this.options.onSharedCacheError?.(error);
    }
  }
}

/**
 * Returns the cache key of a request. A subject token is hashed, so neither the memory nor
 * the shared cache contains it in the clear.
 */
export function cacheKey(connection: string, subjectToken: string | undefined): string {
  if (subjectToken === undefined) {
    return connection;
  }
  const digest = createHash('sha256').update(subjectToken).digest('base64url');
  return `${connection}#${digest}`;
}
