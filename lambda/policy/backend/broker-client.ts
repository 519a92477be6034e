import { createHash } from 'node:crypto';

/** The token broker's reply, as `lambda/token-broker` defines it. */
export type BrokerReply =
  | { readonly ok: true; readonly headerValue: string; readonly validUntil: number }
  | { readonly ok: false; readonly code: string };

/** Sends one request to the token broker and returns its reply. */
export type BrokerInvoker = (
  request: { connection: string; subjectToken?: string },
  timeoutMs: number,
) => Promise<BrokerReply>;

/** The broker failed or could not be reached; the message contains no credential. */
export class BrokerUnavailableError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BrokerUnavailableError';
  }
}

const MAX_ENTRIES = 1000;

/**
 * Asks the token broker for backend credentials and keeps each until the `validUntil` the
 * broker sent, which already leaves the broker's expiry margin. Concurrent misses for one key
 * share a single invocation. Failures are not kept, because the broker keeps its own backoff.
 */
export class BrokerClient {
  private readonly cache = new Map<string, { headerValue: string; validUntil: number }>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly invoke: BrokerInvoker,
    private readonly clock: () => number = () => Date.now() / 1000,
  ) {}

  /** Returns the header value for the connection, from memory when it is still valid. */
  public credential(
    connection: string,
    subjectToken: string | undefined,
    timeoutMs: number,
  ): Promise<string> {
    const key = cacheKey(connection, subjectToken);
    const cached = this.cache.get(key);
    if (cached && cached.validUntil > this.clock()) {
      return Promise.resolve(cached.headerValue);
    }
    const running = this.inFlight.get(key);
    if (running) {
      return running;
    }
    const fetching = this.fetch(key, { connection, subjectToken }, timeoutMs).finally(() =>
      this.inFlight.delete(key),
    );
    this.inFlight.set(key, fetching);
    return fetching;
  }

  private async fetch(
    key: string,
    request: { connection: string; subjectToken?: string },
    timeoutMs: number,
  ): Promise<string> {
    const connection = request.connection;
    let reply: BrokerReply;
    try {
      reply = await this.invoke(request, timeoutMs);
    } catch (error) {
      throw new BrokerUnavailableError(
        'BROKER_UNREACHABLE',
        `invoking the token broker for '${connection}' failed`,
        { cause: error },
      );
    }
    if (reply?.ok === true && !isUsable(reply)) {
      throw new BrokerUnavailableError(
        'BROKER_REPLY_INVALID',
        `the token broker sent an unusable reply for '${connection}'`,
      );
    }
    if (!reply?.ok) {
      throw new BrokerUnavailableError(
        reply.code,
        `the token broker could not supply '${connection}' (${reply.code})`,
      );
    }

    this.cache.delete(key);
    this.cache.set(key, { headerValue: reply.headerValue, validUntil: reply.validUntil });
    if (this.cache.size > MAX_ENTRIES) {
      this.cache.delete(this.cache.keys().next().value as string);
    }
    return reply.headerValue;
  }
}

function isUsable(reply: { headerValue: unknown; validUntil: unknown }): boolean {
  return typeof reply.headerValue === 'string' && Number.isFinite(reply.validUntil);
}

function cacheKey(connection: string, subjectToken: string | undefined): string {
  if (subjectToken === undefined) {
    return connection;
  }
  return `${connection}#${createHash('sha256').update(subjectToken).digest('base64url')}`;
}
